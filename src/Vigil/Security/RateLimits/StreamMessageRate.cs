using System.Diagnostics;

namespace Vigil.Security.RateLimits;

/// <summary>
/// A token bucket for the messages of one gRPC request stream: holds at most <c>perSecond</c> tokens and refills
/// continuously. It keeps no timer (most calls are unary and short-lived, and a timer per call would cost more than
/// the call); a stream's messages are read one at a time, so it needs no lock.
/// </summary>
public sealed class StreamMessageRate(int perSecond)
{
    private double _tokens = perSecond;
    private long _last = Stopwatch.GetTimestamp();

    public int PerSecond => perSecond;

    public bool TryTake()
    {
        var now = Stopwatch.GetTimestamp();
        _tokens = Math.Min(perSecond, _tokens + ((now - _last) * (double)perSecond / Stopwatch.Frequency));
        _last = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }
}
