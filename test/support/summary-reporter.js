/**
 * Prints one plain closing line, "N passed, N failed", that any CI log reader understands; and
 * what still holds the process open as the run ends (tests run in band on a 2-core machine, so a
 * connection or timer a test left would keep jest from exiting): jest's `forceExit` ends the run
 * regardless, and this line says what to look at.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`\n${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
    const left = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    if (left.length) process.stderr.write(`still open as the run ends: ${left.join(', ')}\n`);
  }
}
module.exports = SummaryReporter;
