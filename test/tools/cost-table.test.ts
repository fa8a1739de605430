/** docs/deployment.md's cost table is tools/cost-table.ts's, and its numbers behave as costs must. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ASSUMED, COST_END, COST_START, costTable, crossover, monthlyCost, PRICES, TRANSFORM_COUNTS, withCostTable } from '../../tools/cost-table.js';
import { REPO } from '../support/origin.js';

describe('the cost table in docs/deployment.md', () => {
  it('is the one tools/cost-table.ts prints (run npx tsx tools/cost-table.ts --write after changing an input)', () => {
    const doc = readFileSync(path.join(REPO, 'docs/deployment.md'), 'utf8');
    expect(doc).toContain(COST_START);
    const between = doc.slice(doc.indexOf(COST_START) + COST_START.length, doc.indexOf(COST_END)).trim();
    expect(between).toBe(costTable());
    expect(withCostTable(doc)).toBe(doc);
  });

  it('charges the Fargate origin while idle and the Lambda origin nothing', () => {
    const idle = monthlyCost(0);
    const hours = ASSUMED.hoursPerMonth;
    const { minTasks, vcpu, memoryGb } = ASSUMED.fargate;
    expect(idle.fargate.tasks).toBe(minTasks);
    expect(idle.fargate.total).toBeGreaterThan(0);
    // Idle, Fargate is exactly its fixed items: the minimum tasks, the load balancer, the NAT gateway and its address.
    const fixed =
      minTasks * hours * (vcpu * PRICES.fargateVcpuHour.value + memoryGb * PRICES.fargateGbHour.value) +
      hours * (PRICES.albHour.value + PRICES.natHour.value + PRICES.publicIpv4Hour.value);
    expect(idle.fargate.total).toBeCloseTo(fixed, 9);
    // The Lambda origin has no fixed items, and nothing common to both is charged without traffic.
    expect(idle.lambda.total).toBe(0);
    expect(idle.common.total).toBe(0);
  });

  it('grows with traffic under both computes', () => {
    const costs = TRANSFORM_COUNTS.map((n) => monthlyCost(n));
    for (let i = 1; i < costs.length; i++) {
      expect(costs[i]!.fargate.total).toBeGreaterThanOrEqual(costs[i - 1]!.fargate.total);
      expect(costs[i]!.lambda.total).toBeGreaterThan(costs[i - 1]!.lambda.total);
      expect(costs[i]!.common.total).toBeGreaterThan(costs[i - 1]!.common.total);
    }
  });

  it('puts the crossover between the two rows where the cheaper compute changes', () => {
    const cross = crossover();
    const lambdaCheaper = TRANSFORM_COUNTS.map((n) => {
      const cost = monthlyCost(n);
      return cost.lambda.total < cost.fargate.total;
    });
    const flip = lambdaCheaper.findIndex((cheaper, i) => i > 0 && cheaper !== lambdaCheaper[i - 1]);
    expect(flip).toBeGreaterThan(0);
    expect(lambdaCheaper[flip - 1]).toBe(true);
    expect(lambdaCheaper.slice(flip).every((cheaper) => !cheaper)).toBe(true);
    expect(cross).toBeGreaterThan(TRANSFORM_COUNTS[flip - 1]!);
    expect(cross).toBeLessThanOrEqual(TRANSFORM_COUNTS[flip]!);
    // It is where the costs cross: Lambda cheaper just below, not cheaper from there on.
    const below = monthlyCost(cross - 1_000);
    const at = monthlyCost(cross);
    expect(below.lambda.total).toBeLessThan(below.fargate.total);
    expect(at.lambda.total).toBeGreaterThanOrEqual(at.fargate.total);
  });
});
