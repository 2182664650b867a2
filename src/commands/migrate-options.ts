// MIGRATE's options after the timeout (COPY, REPLACE, AUTH password, AUTH2 username password,
// KEYS key ...), read by one walk for the three places that need them: the command (migrate.ts,
// Redis's migrateCommand), its key finder for COMMAND GETKEYS (meta/keys.ts, migrateGetKeys) and
// MONITOR, which hides the passwords (monitor.ts, migrateCommand's redactClientCommandArgument).

import { cWord } from './args.js';

/** The options other than KEYS, with how many values follow each (a Map: `constructor` is no option). */
const OPTION_VALUES = new Map([['COPY', 0], ['REPLACE', 0], ['AUTH', 1], ['AUTH2', 2]]);

export interface MigrateOptionWalk {
  copy: boolean;
  replace: boolean;
  /** AUTH2's username, and AUTH's or AUTH2's password: the last one given (an AUTH keeps AUTH2's username). */
  username: string | null;
  password: string | null;
  /** Where AUTH's and AUTH2's values are, in order. */
  secrets: number[];
  /** The first argument after KEYS (KEYS ends the options), or -1 without KEYS. */
  keys: number;
  /**
   * The first argument migrateCommand refuses with a syntax error, or -1: a word that is no
   * option (stepped over, as migrateGetKeys does), or an option short of its values (the walk's end).
   */
  bad: number;
}

/** Reads MIGRATE's options from args[6] on, in order. */
export function walkMigrateOptions(args: readonly string[]): MigrateOptionWalk {
  const o: MigrateOptionWalk = { copy: false, replace: false, username: null, password: null, secrets: [], keys: -1, bad: -1 };
  for (let j = 6; j < args.length; j++) {
    const word = cWord(args[j]);
    if (word === 'KEYS') {
      o.keys = j + 1;
      break;
    }
    const values = OPTION_VALUES.get(word);
    if (values === undefined) {
      if (o.bad < 0) o.bad = j;
      continue;
    }
    if (args.length - 1 - j < values) {
      if (o.bad < 0) o.bad = j;
      break;
    }
    if (word === 'COPY') o.copy = true;
    else if (word === 'REPLACE') o.replace = true;
    else {
      if (word === 'AUTH2') o.username = args[j + 1];
      o.password = args[j + values];
      for (let k = 1; k <= values; k++) o.secrets.push(j + k);
    }
    j += values;
  }
  return o;
}
