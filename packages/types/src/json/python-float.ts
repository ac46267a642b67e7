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
  if (!Number.isFinite(value)) throw new RangeError(`${value} is not a finite number`);
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  // toExponential() without an argument gives the shortest round-tripping digits: "-1.25e-7".
  const exponential = value.toExponential();
  const ePos = exponential.indexOf("e");
  const sign = value < 0 ? "-" : "";
  const digits = exponential.slice(sign.length, ePos).replace(".", "");
  const exponent = Number(exponential.slice(ePos + 1));

  if (exponent < -4 || exponent >= 16) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const expSign = exponent < 0 ? "-" : "+";
    return `${sign}${mantissa}e${expSign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const intDigits = exponent + 1;
  if (digits.length <= intDigits) return `${sign}${digits}${"0".repeat(intDigits - digits.length)}.0`;
  return `${sign}${digits.slice(0, intDigits)}.${digits.slice(intDigits)}`;
}
