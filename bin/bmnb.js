#!/usr/bin/env node
// The `bmnb` command: the CLI bundle built by `npm run build`.
require('../dist/cli.js');
