// Trimming a string of some characters at both ends, as Redis's sdstrim: one pass in from each
// end. Not a regular expression such as /^[ \t\r\n]+|[ \t\r\n]+$/: V8 tries its `[...]+$` branch
// at every character of a run of those characters inside the string, each time to the run's end,
// so the time grew with the square of the run (a FUNCTION LOAD option of 300,000 newlines then
// `x`: 42 s with the server stalled, redis-server 3 ms; a proc-title-template of 300,000 spaces: 46 s).

/** `s` without the characters of `chars` at its start and end (`startOnly`: at its start). */
export function trimChars(s: string, chars: string, startOnly = false): string {
  let from = 0;
  let to = s.length;
  while (from < to && chars.includes(s[from])) from++;
  while (!startOnly && to > from && chars.includes(s[to - 1])) to--;
  return from === 0 && to === s.length ? s : s.slice(from, to);
}

/** White space as Redis's config and manifest readers trim it (sdstrim with " \t\r\n"). */
export const CONFIG_SPACE = ' \t\r\n';
