// Worker side of B5: the trivial piscina task, returning its argument at once.

export default function echo(x) {
  return x;
}
