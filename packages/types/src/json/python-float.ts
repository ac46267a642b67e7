/**
 * Python's `repr(float)`, which is what `json.dumps` writes for a float (tinker-wire-spec.md §1.2).
 *
 * Both languages print the shortest digit string that round-trips, so only the layout differs:
 * Python switches to scientific notation when the decimal exponent is below -4 or at least 16
 * (`1e-05`, `1e+16`; JS waits until 1e-7 and 1e21), always signs the exponent and pads it to two
 * digits, and writes integral values with a trailing `.0` (`1.0`, `-0.0`).
 *
 * @throws RangeError for NaN and ±Infinity, which JSON cannot carry (callers report the field).
 */
export function formatPythonFloat(value: number): string {
  const magnitude = Math.abs(value);
  // Between 1e-4 and 1e16 both languages print fixed notation with the same shortest digits
  // (JS keeps it from 1e-7 up to 1e21): only Python's `.0` on integral values differs. This is
  // where sampling parameters and timings fall, so they skip the layout work below.
  if (magnitude >= 1e-4 && magnitude < 1e16) {
    const text = String(value);
    return Number.isInteger(value) ? `${text}.0` : text;
  }
  if (!Number.isFinite(value)) throw new RangeError(`${value} is not a finite number`);
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  // Below 1e-4 or from 1e16 on, Python prints scientific notation. toExponential() without an
  // argument gives the shortest round-tripping digits: "-1.25e-7".
  const exponential = value.toExponential();
  const ePos = exponential.indexOf("e");
  const mantissa = exponential.slice(0, ePos);
  const exponent = Number(exponential.slice(ePos + 1));
  const expSign = exponent < 0 ? "-" : "+";
  return `${mantissa}e${expSign}${String(Math.abs(exponent)).padStart(2, "0")}`;
}
