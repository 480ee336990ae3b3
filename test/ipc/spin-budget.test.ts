// The adaptive spin budget of task threads and the kernel loop.

import { expect, it } from 'vitest';
import { SpinBudget } from '../../src/ipc/channel.ts';

it('halves only after several fruitless spins in a row, stops spinning below its least, and comes back when spinning pays', () => {
  const budget = new SpinBudget(0.2, 0.01);
  expect(budget.ms).toBe(0.2);
  for (let i = 0; i < 3; i++) budget.missed();
  expect(budget.ms).toBe(0.2); // one bad moment does not cut it
  budget.missed();
  expect(budget.ms).toBe(0.1);
  for (let i = 0; i < 3; i++) budget.missed();
  budget.paid(); // a catch resets the count of misses
  expect(budget.ms).toBe(0.2);
  for (let i = 0; i < 16; i++) budget.missed();
  expect(budget.ms).toBe(0.0125);
  for (let i = 0; i < 4; i++) budget.missed();
  expect(budget.ms).toBe(0); // below its least: park at once
  for (let i = 0; i < 400; i++) budget.missed();
  expect(budget.ms).toBe(0);
  budget.paid(); // a short park: spin again, a little
  expect(budget.ms).toBe(0.01);
  for (let i = 0; i < 3; i++) budget.paid();
  expect(budget.ms).toBe(0.08);
  for (let i = 0; i < 10; i++) budget.paid();
  expect(budget.ms).toBe(0.2);
});
