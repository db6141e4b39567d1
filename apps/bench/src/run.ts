// `pnpm bench`'s end-to-end matrix (being built: see apps/bench/README.md).
console.log('apps/bench: end-to-end matrix not written yet');
