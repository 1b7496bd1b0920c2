// Package capacity finds the highest message rate a peer sustains while
// its latency meets a service level objective (SLO), such as
// "p99<50us,p99.9<200us".
//
// The measurement is open loop and corrected for coordinated omission: each
// step is one rate-limited run of [client.Run] at a fixed target rate, and
// latency is measured from each message's intended send time. A [Search]
// grows the rate geometrically from a start rate until a step fails (the
// SLO breaks, errors appear) or a maximum is reached, then bisects between
// the last passing and the first failing rate until they are within a
// relative precision of each other. The capacity is the highest target rate
// that passed.
//
// A step can also show that the load generator, not the peer, is the
// limit: it sent less than 95% of its target rate, or its lateness against
// the schedule is what breaks the SLO, while the latency of the messages as
// actually sent (the uncorrected histogram) still meets the SLO. The search
// then stops and the [Result] says so, with advice: more connections, a
// larger window or more generator machines.
//
// [Measure] drives the search; a [Result] holds every step, with its
// histograms, and the verdict. [WriteJSON] writes it as one document of
// schema [Schema] ("gigadex.capacity/v1"), whose histograms use the
// HdrHistogram V2 compressed base64 encoding of "gigadex.run/v1";
// [ReadJSON] reads it back.
package capacity
