/**
 * Prints the suite's totals as one plain line, `N passed, N failed`, so that
 * CI (and a person) can see at a glance that tests ran and how many failed.
 */
export default class TotalsReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
