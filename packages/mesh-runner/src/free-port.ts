// The database package finds its own free port the same way; the one helper lives there.
export { freePort } from '@mesh/embedded-mongo';
