/**
 * A bound on records in flight for contenders whose transport has no backpressure of its own
 * (MessagePort, piscina, the WebSocket load generator): `take` resolves once there is room.
 */
export class InFlightWindow {
  private waiter: (() => void) | null = null;
  private need = 0;
  inFlight = 0;

  constructor(readonly capacity: number) {}

  take(n: number): void | Promise<void> {
    if (this.inFlight + n <= this.capacity) {
      this.inFlight += n;
      return;
    }
    this.need = n;
    return new Promise<void>((resolve) => {
      this.waiter = () => {
        this.inFlight += n;
        resolve();
      };
    });
  }

  give(n: number): void {
    this.inFlight -= n;
    if (this.waiter && this.inFlight + this.need <= this.capacity) {
      const w = this.waiter;
      this.waiter = null;
      w();
    }
  }
}
