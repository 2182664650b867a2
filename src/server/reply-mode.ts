// CLIENT REPLY for one connection, as Redis's CLIENT_REPLY_OFF, CLIENT_REPLY_SKIP and
// CLIENT_REPLY_SKIP_NEXT flags: replies off, or skipped for the running / the next command. As in
// Redis, OFF and SKIP answer nothing themselves (CLIENT REPLY returns NO_REPLY): a SKIP run by EXEC
// skips the command after EXEC, not the rest of EXEC's replies.

export type ReplyModeChange = 'on' | 'off' | 'skip' | 'reset';

export class ReplyMode {
  private off = false;
  private skipThis = false;
  private skipNext = false;
  /** EXEC filtered its reply as its commands ran (filtered()): it goes out whatever the mode at its end. */
  private chosen = false;

  /** A command starts: a SKIP sent before it applies to it. */
  begin(): void {
    this.skipThis = this.skipNext;
    this.skipNext = false;
  }

  /** Whether the running command's reply is sent. */
  get sending(): boolean {
    return this.chosen || this.replying;
  }

  /** Whether a reply written at this moment reaches the client (Redis's check in each addReply). */
  get replying(): boolean {
    return !this.off && !this.skipThis;
  }

  /**
   * The running command (EXEC) kept of its reply only what Redis would have written as its
   * commands ran, under the mode of each moment: that reply is sent as it is.
   */
  filtered(): void {
    this.chosen = true;
  }

  /** The running command is done. */
  end(): void {
    this.skipThis = false;
    this.chosen = false;
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
      // As Redis's CLIENT_REPLY_SKIP_NEXT: the next command's reply is dropped (SKIP has none).
      this.skipNext = true;
    }
  }
}
