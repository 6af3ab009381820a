/**
 * The order test files run in (in band, one process): the longest suites first. Their time grew
 * with their place in the run (the chaos suite alone 90 s, after 120 other files 600 s of its
 * 900 s budget: what earlier files leave behind slows a CPU-bound suite), and on a fresh clone
 * jest has no timings to order by. The rest follow by path, the same order on every machine.
 */
const FIRST = ['/test/chaos/', '/test/cluster/failover', '/test/crash/'];

const rank = (path) => {
  const i = FIRST.findIndex((p) => path.includes(p));
  return i === -1 ? FIRST.length : i;
};

class HeavyFirst {
  sort(tests) {
    return [...tests].sort((a, b) => rank(a.path) - rank(b.path) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  shard(tests, { shardIndex, shardCount }) {
    return this.sort(tests).filter((_, i) => i % shardCount === shardIndex - 1);
  }

  allFailedTests(tests) {
    return tests;
  }

  cacheResults() {}
}

module.exports = HeavyFirst;
