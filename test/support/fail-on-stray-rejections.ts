// A stray rejection or warning is how a leaked client or a missed await shows
// itself; make it fail the run instead of scrolling past (as pg-pool's tests do).
process.on('unhandledRejection', (reason) => {
  throw reason
})
