namespace AcWs.Host;

/// <summary>
/// One frame to many clients, on every CPU: queuing a frame usually sends it at once (<see cref="Outbox"/>), about
/// 10–20 µs of CPU per client on loopback, so 500 clients are 5–10 ms on one thread. The caller and up to one pool
/// thread per other CPU take slices of the list in turn; the caller returns only once every client has the
/// frame queued, so frames still reach each client in the order they were pushed. A helper that starts late
/// finds nothing left and returns; the caller never waits for one that has not started. Each thread yields its
/// CPU after each slice (about half a millisecond of sends): on a 2-core server the fan-out would otherwise hold
/// both cores for its whole run, and acServer, like a client on the same machine, would wait for the scheduler's
/// time slice to end (README, Performance, Part 4).
/// </summary>
static class FanOut
{
    /// <summary>Clients per slice, and fewer clients than this many slices go on the caller's thread alone.</summary>
    const int Slice = 32;

    sealed class Work(IReadOnlyList<Client> targets, byte[] frame, Client? except)
    {
        int next, inSlice;

        /// <summary>Takes slices until none is left.</summary>
        public void Run()
        {
            while (true)
            {
                Interlocked.Increment(ref inSlice);
                int start = Interlocked.Add(ref next, Slice) - Slice;
                if (start >= targets.Count) { Interlocked.Decrement(ref inSlice); return; }
                for (int i = start; i < Math.Min(start + Slice, targets.Count); i++)
                    if (targets[i] != except) targets[i].Enqueue(frame);
                Interlocked.Decrement(ref inSlice);
                Thread.Yield();
            }
        }

        /// <summary>Waits for slices other threads are still in (each a few hundred µs at most).</summary>
        public void WaitForOthers()
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref inSlice) > 0) spin.SpinOnce();
        }
    }

    public static void Push(IReadOnlyList<Client> targets, byte[] frame, Client? except)
    {
        var work = new Work(targets, frame, except);
        int helpers = Math.Min(Environment.ProcessorCount, targets.Count / Slice) - 1;
        for (int i = 0; i < helpers; i++) ThreadPool.UnsafeQueueUserWorkItem(static w => w.Run(), work, preferLocal: false);
        work.Run();
        work.WaitForOthers();
    }
}
