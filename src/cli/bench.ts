// `caduceus bench [ids...] [--quick] [--json]`: the benchmark suite.

export async function benchCommand(args: string[]): Promise<number> {
  const { runBenchmarks } = await import('../../bench/suite.ts');
  return runBenchmarks(args);
}
