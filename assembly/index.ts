/**
 * build/core.wasm: the hot core, shared by every thread of a runtime. AssemblyScript with the
 * stub runtime, threads, an imported shared memory, no heap allocation and no static data
 * (docs/platform-notes.md G3, G4): all state lives at offsets the host chooses, in regions that start with
 * a validated header (region.ts). Module globals are per thread (G5) and unused.
 */
export { regionCheck, REGION_MAGIC, LAYOUT_VERSION, KIND_SINGLE_RING, KIND_COUNTERS } from './region';
export { clockNs, g1Probe, cellPrepare, cellDone, cellWake, spinStart, spinDone } from './wait';
export {
  ringBytes, ringSlotStride, ringInit, ringCapacity, ringSlotBytes, ringStride, ringSlotsOffset,
  ringStageCount, ringGatingMask, ringConsumersMask, ringDeps, ringWaitKind, ringSpinNs, ringSetWait,
  ringSlot, ringCursor, ringCellSeq, ringCellAddr, ringCursorAddr, ringHalt, ringEndSeq, ringFailCell,
  ringFailSeq, ringMinGating, ringWaitFor, ringAvailable, ringSpinFor, ringConsumerWaitCell, ringRelease,
  ringReleaseQuiet, ringWakeWaiters,
  ringNext, ringFree, ringTryClaim, ringClaim, ringProducerWaitCell, ringPublish, ringWrite, ringTryWriteSpans,
  ringWriteSpans, ringTryWriteOne,
  ringLength,
  ringDropped, ringEnd, ringAbort,
} from './ring';
export { countersBytes, countersInit, counterAddr } from './counters';
// LaneGraph lanes (assembly/lanes/): one lane core over the ring's layout, one file per kind
export {
  laneFree, laneNext, laneTryClaim, laneClaim, laneUnclaim, lanePublish, laneCountDrops, laneWriterWaitCell,
  laneWaitFor, laneAvailable, laneSpinFor, laneStopped, laneReaderWaitCell, laneRelease, laneCopy, laneCopyRaw,
  laneEnd, laneAbort, laneSetReaderDoorbell, laneSetWriterDoorbell, laneReaders, laneCursor, laneReaderSeq,
  laneStart, laneDrops, laneOverrun, laneOverwrite, laneHalt, laneEndSeq, laneFailWho, laneFailSeq,
  laneMinGating, laneWaitKind, laneSpinNs, laneStride, laneSlotsStart, laneMaxReaders,
} from './lanes/lane';
export { eventsBytes, eventsInit } from './lanes/events';
export { fanoutBytes, fanoutInit } from './lanes/fanout';
export { journalBytes, journalInit, journalCommitted, journalSkipOverrun } from './lanes/journal';
export { slotsLaneBytes, slotsLaneInit } from './lanes/sequenced_slots';
export { doorbellsBytes, doorbellsInit, doorbellAddr } from './lanes/doorbells';

/** First byte above the module's own data: regions must start at or above it. */
export function heapBase(): usize {
  return __heap_base;
}
