/**
 * Consistent-hash ring that chooses exactly as nginx's hash ... consistent.
 *
 * @packageDocumentation
 */
export {};
