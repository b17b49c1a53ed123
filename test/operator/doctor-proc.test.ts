import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CAP_IPC_LOCK,
  CAP_SYS_NICE,
  hasCapability,
  mountType,
  parseCpuList,
  parseLimit,
  parseSchedPolicy,
  parseStatus,
  statusBytes,
} from '../../plugins/verbs/doctor/proc.ts';
import { compactCpuList } from '../../plugins/verbs/doctor/checks.ts';

test('cpu lists: ranges, singles, empty, malformed', () => {
  assert.equal(parseCpuList('0-3,8,10-11\n'), [0, 1, 2, 3, 8, 10, 11]);
  assert.equal(parseCpuList('\n'), []);
  assert.equal(parseCpuList('5'), [5]);
  assert.is(parseCpuList('3-1'), undefined);
  assert.is(parseCpuList('a-b'), undefined);
  assert.is(compactCpuList([0, 1, 2, 3, 8, 10, 11]), '0-3,8,10-11');
});

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max locked memory         8388608              16777216             bytes     
Max realtime priority     0                    0                    
Max realtime timeout      unlimited            unlimited            us        
`;

test('limits rows', () => {
  assert.equal(parseLimit(LIMITS, 'Max locked memory'), { soft: 8388608, hard: 16777216 });
  assert.equal(parseLimit(LIMITS, 'Max realtime priority'), { soft: 0, hard: 0 });
  assert.equal(parseLimit(LIMITS, 'Max realtime timeout'), { soft: 'unlimited', hard: 'unlimited' });
  assert.is(parseLimit(LIMITS, 'Max open files'), undefined);
});

test('status fields, sizes and capability bits', () => {
  const st = parseStatus('Name:\tnode\nVmLck:\t     128 kB\nCapEff:\t0000000000804000\nCpus_allowed_list:\t0-1\n');
  assert.is(statusBytes(st, 'VmLck'), 128 * 1024);
  assert.is(st.get('Cpus_allowed_list'), '0-1');
  assert.is(hasCapability(st.get('CapEff'), CAP_IPC_LOCK), true);
  assert.is(hasCapability(st.get('CapEff'), CAP_SYS_NICE), true);
  assert.is(hasCapability('0000000000000000', CAP_IPC_LOCK), false);
  assert.is(hasCapability(undefined, CAP_IPC_LOCK), undefined);
});

test('scheduling policy from /proc/self/stat, with spaces and parentheses in the command name', () => {
  // 52 fields; field 41 (policy) = 1 (SCHED_FIFO), field 40 (rt_priority) = 10
  const tail = Array.from({ length: 50 }, (_, i) => String(i + 3));
  tail[40 - 3] = '10';
  tail[41 - 3] = '1';
  tail[0] = 'S';
  assert.is(parseSchedPolicy(`1234 (my (odd) cmd) ${tail.join(' ')}`), 'fifo');
  tail[41 - 3] = '0';
  assert.is(parseSchedPolicy(`1234 (node) ${tail.join(' ')}`), 'other');
  assert.is(parseSchedPolicy('garbage'), undefined);
});

test('mount type of /dev/shm (last mount wins)', () => {
  const m = 'proc /proc proc rw 0 0\nshm /dev/shm ext4 rw 0 0\ntmpfs /dev/shm tmpfs rw,size=65536k 0 0\n';
  assert.is(mountType(m, '/dev/shm'), 'tmpfs');
  assert.is(mountType(m, '/dev/hugepages'), undefined);
});

test.run();
