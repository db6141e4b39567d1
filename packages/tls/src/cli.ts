#!/usr/bin/env node
// The `pingora-ts-cert` executable: development certificates from the command line.
import { runCertificateCli } from './certificate-cli.js';

process.exitCode = runCertificateCli(process.argv.slice(2));
