// The OOM killer's score of the server process, as Redis 7.0's setOOMScoreAdj: with `oom-score-adj`
// yes/relative, /proc/self/oom_score_adj is set to the score the process started with plus the
// first of `oom-score-adj-values` (Redis's value for a master; its replica and child values have
// no process here), with `absolute` to that value, clamped to -1000..1000; turned back to `no`, the
// score the process started with is put back. Set once the server serves (Redis: at the end of
// main) and at each CONFIG SET of either option, which fails with Redis's text when the file
// cannot be read or written (a lower score needs CAP_SYS_RESOURCE). Only the service sets it: a
// server embedded in another program leaves that program's score alone, as its title.

import { readFileSync, writeFileSync } from 'node:fs';
import { ApplyError, type Config } from '../config.js';
import { strerror } from '../errors.js';
import type { Logger } from './log.js';

/** Redis's updateOOMScoreAdj error when setOOMScoreAdj fails. */
export const OOM_SCORE_FAILED = 'Failed to set current oom_score_adj. Check server logs.';

const NOT_ASCENDING = 'The oom-score-adj-values configuration may not work for non-privileged processes! Please consult the documentation.';

/** The process's own score before the server changed it (Redis's statics of setOOMScoreAdj). */
const state = { adjusted: false, base: 0 };

/** C's atoi of the file's text: leading blanks, a sign, digits; 0 for anything else. */
const atoi = (s: string): number => Number(/^[\t\n\v\f\r ]*([+-]?\d+)/.exec(s)?.[1] ?? 0);

const errnoOf = (e: unknown): string => strerror((e as NodeJS.ErrnoException).code ?? '');

/** Sets the score `config` asks for; false (logged, as Redis's) when the file cannot be read or written. */
export function setOomScoreAdj(config: Config, log: Logger, path = '/proc/self/oom_score_adj'): boolean {
  const mode = config.get('oom-score-adj');
  let val: number;
  if (mode !== 'no') {
    if (!state.adjusted) {
      // As Redis's, marked before the read: after a failed read the next change takes 0 as the base.
      state.adjusted = true;
      try {
        state.base = atoi(readFileSync(path, 'latin1'));
      } catch (e) {
        log.warning(`Unable to read oom_score_adj: ${errnoOf(e)}`);
        return false;
      }
    }
    val = Number(config.get('oom-score-adj-values').split(' ')[0]);
    if (mode === 'yes') val += state.base; // relative, shown as yes
    val = Math.min(1000, Math.max(-1000, val));
  } else if (state.adjusted) {
    state.adjusted = false;
    val = state.base;
  } else {
    return true;
  }
  try {
    writeFileSync(path, `${val}\n`);
  } catch (e) {
    log.warning(`Unable to write oom_score_adj: ${errnoOf(e)}`);
    return false;
  }
  return true;
}

/** Redis's warning for values whose replica or child score is below the master's (set anyway). */
function checkOrder(values: string, log: Logger): void {
  const [master, replica, child] = values.split(' ').map(Number);
  if (replica < master || child < replica) log.warning(NOT_ASCENDING);
}

/** Sets the score now, and at each CONFIG SET of oom-score-adj or oom-score-adj-values. */
export function manageOomScore(config: Config, log: Logger): void {
  checkOrder(config.get('oom-score-adj-values'), log);
  setOomScoreAdj(config, log);
  const apply = (): void => {
    if (!setOomScoreAdj(config, log)) throw new ApplyError(OOM_SCORE_FAILED);
  };
  config.onChange('oom-score-adj', apply);
  config.onChange('oom-score-adj-values', (v) => {
    checkOrder(v, log);
    apply();
  });
}
