'use strict';
// The least paid traffic a trace can possibly need. The free provider opens a window at
// the first request that arrives while none is open and accepts at most `limit` in it; the
// next window opens at the first request after that one ends. Under a load above the quota
// there is always a request waiting, so windows follow each other back to back and at most
//
//   windows = floor(spanMs / windowMs) + 1
//
// of them can open while the trace lasts, where spanMs runs from the first request sent to
// the last answer received (a system that queues requests stretches its own span and so
// gets more windows, never fewer). Hence
//
//   maxFree     = min(requests sent, limit x windows)
//   minimumPaid = max(0, requests served - maxFree)
//   aboveMinimum = paid calls - minimumPaid
//
// A system above the minimum paid for requests free could have taken: it left windows
// unused, or a 429 blocked free for a while.

/**
 * @param {{ sent: number, served: number, paidCalls: number, spanMs: number,
 *   limit: number, windowMs: number }} trace
 */
function paidAboveMinimum({ sent, served, paidCalls, spanMs, limit, windowMs }) {
  const windows = Math.floor(spanMs / windowMs) + 1;
  const maxFree = Math.min(sent, limit * windows);
  const minimumPaid = Math.max(0, served - maxFree);
  return { windows, maxFree, minimumPaid, aboveMinimum: paidCalls - minimumPaid };
}

module.exports = { paidAboveMinimum };
