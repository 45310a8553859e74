// What a copy job costs, for the estimate printed at preview: the job fee, the per-object fee and
// the COPY request each task sends, at the S3 pricing page's us-east-1 prices (limits.ts).

import { ObjectCopyError, showValue } from "../errors";
import { COPY_REQUEST_USD_PER_1000, JOB_FEE_USD, USD_PER_MILLION_OBJECTS } from "./limits";

export interface CostEstimate {
  usd: number;
  objects: number;
  line: string;
}

const dollars = (usd: number) =>
  `$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

export function estimateJobCost(objects: number): CostEstimate {
  if (!Number.isSafeInteger(objects) || objects < 0) {
    throw new ObjectCopyError(
      "BATCH_COST_INVALID",
      `a job's object count must be a whole number from 0, not ${showValue(objects)}`,
    );
  }
  const perObject = (objects / 1_000_000) * USD_PER_MILLION_OBJECTS;
  const requests = (objects / 1000) * COPY_REQUEST_USD_PER_1000;
  // Rounded to a millionth of a dollar so sums of float prices compare exactly.
  const usd = Math.round((JOB_FEE_USD + perObject + requests) * 1e6) / 1e6;
  const line =
    `about ${dollars(usd)} for ${objects.toLocaleString("en-US")} object${objects === 1 ? "" : "s"}: ` +
    `${dollars(JOB_FEE_USD)} per job + ${dollars(USD_PER_MILLION_OBJECTS)} per million objects (${dollars(perObject)}) + ` +
    `COPY requests at $${COPY_REQUEST_USD_PER_1000} per 1,000 (${dollars(requests)}); S3 pricing page, us-east-1, ` +
    `KMS calls and storage not included`;
  return { usd, objects, line };
}
