#!/usr/bin/env node
// The `pingora-ts` command (being built: see apps/gateway/README.md).
console.log('pingora-ts 0.0.0');
