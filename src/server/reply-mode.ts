// CLIENT REPLY for one connection, as Redis's CLIENT_REPLY_OFF, CLIENT_REPLY_SKIP and
// CLIENT_REPLY_SKIP_NEXT flags: replies off, or skipped for the running / the next command.

export type ReplyModeChange = 'on' | 'off' | 'skip' | 'reset';

export class ReplyMode {
  private off = false;
  private skipThis = false;
  private skipNext = false;

  /** A command starts: a SKIP sent before it applies to it. */
  begin(): void {
    this.skipThis = this.skipNext;
    this.skipNext = false;
  }

  /** Whether the running command's reply is sent. */
  get sending(): boolean {
    return !this.off && !this.skipThis;
  }

  /** The running command is done. */
  end(): void {
    this.skipThis = false;
  }

  /** The running command waits (CLIENT PAUSE): when it runs again, its skip still applies. */
  hold(): void {
    this.skipNext = this.skipThis;
    this.skipThis = false;
  }

  /** Whether a reply that is not a command's (a protocol error's) is sent: OFF and SKIP silence it too, as Redis. */
  get sendingNext(): boolean {
    return !this.off && !this.skipNext;
  }

  /** CLIENT REPLY ON / OFF / SKIP, and RESET's clearing (which keeps a SKIP of itself). */
  set(mode: ReplyModeChange): void {
    if (mode === 'reset') {
      this.off = this.skipNext = false;
    } else if (mode === 'on') {
      this.off = this.skipThis = false;
    } else if (mode === 'off') {
      this.off = true;
    } else if (!this.off) {
      // As Redis: SKIP's own reply is not sent either, then the next command's is dropped.
      this.skipThis = this.skipNext = true;
    }
  }
}
