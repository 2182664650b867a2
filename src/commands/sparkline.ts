// ASCII sparklines for LATENCY GRAPH, drawn as Redis's sparkline.c draws them (fill mode): `rows`
// rows of '_', 'o', '#' and '|' scaled between the smallest and the largest value, then one blank
// row and each sample's label written vertically below its column; more samples than `columns`
// continue in a second block after an empty line.

const CHARSET_FILL = '_o#';
const LABEL_MARGIN_TOP = 1;

export interface Sample {
  readonly value: number;
  readonly label: string;
}

/** Rows for samples[offset .. offset+len): the chart rows, the margin, then the label rows. */
function renderRange(samples: readonly Sample[], min: number, max: number, rows: number, offset: number, len: number): string {
  const relmax = max - min === 0 ? 1 : max - min;
  const steps = CHARSET_FILL.length * rows;
  const hasLabels = samples.some((s) => s.label !== '');
  let out = '';
  for (let row = 0; ; row++) {
    const chars = new Array<string>(len).fill(' ');
    let more = false;
    for (let j = 0; j < len; j++) {
      const s = samples[j + offset];
      const step = Math.min(steps - 1, Math.max(0, Math.trunc(((s.value - min) * steps) / relmax)));
      if (row < rows) {
        more = true;
        const charIdx = step - (rows - row - 1) * CHARSET_FILL.length;
        if (charIdx >= 0 && charIdx < CHARSET_FILL.length) chars[j] = CHARSET_FILL[charIdx];
        else if (charIdx >= CHARSET_FILL.length) chars[j] = '|';
      } else {
        if (hasLabels && row - rows < LABEL_MARGIN_TOP) {
          more = true;
          break;
        }
        const labelChar = row - rows - LABEL_MARGIN_TOP;
        if (s.label.length > labelChar) {
          more = true;
          chars[j] = s.label[labelChar];
        }
      }
    }
    if (!more) return out;
    out += `${chars.join('')}\n`;
  }
}

/** The whole graph of `samples`, `columns` samples per block, `rows` chart rows. */
export function sparkline(samples: readonly Sample[], columns: number, rows: number): string {
  let min = 0;
  let max = 0;
  samples.forEach((s, i) => {
    if (i === 0) min = max = s.value;
    else if (s.value < min) min = s.value;
    else if (s.value > max) max = s.value;
  });
  let out = '';
  for (let j = 0; j < samples.length; j += columns) {
    if (j !== 0) out += '\n';
    out += renderRange(samples, min, max, rows, j, Math.min(columns, samples.length - j));
  }
  return out;
}
