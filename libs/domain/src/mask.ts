/**
 * A terminal address (phone number, radio id, Beidou card) as logs may show it: enough to tell
 * two apart, not enough to call. Logs never carry full numbers, order texts or tokens.
 */
export function maskAddress(address: string): string {
  if (address.length <= 4) return '*'.repeat(address.length);
  return `${address.slice(0, 3)}${'*'.repeat(address.length - 5)}${address.slice(-2)}`;
}
