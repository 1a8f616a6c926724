namespace Vigil.Observability;

/// <summary>
/// Up to four label values of one series, compared by value: the key a measurement's tags are looked up by without
/// allocating (tag values are the recorder's own strings, or boxed numbers it already made).
/// </summary>
public readonly record struct LabelValues(object? A, object? B, object? C, object? D)
{
    public object? this[int i] => i switch { 0 => A, 1 => B, 2 => C, _ => D };

    public static LabelValues From(MetricDefinition definition, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        object? a = null, b = null, c = null, d = null;
        var labels = definition.Labels;
        foreach (var tag in tags)
        {
            var i = Array.IndexOf(labels, tag.Key);
            switch (i)
            {
                case 0: a = tag.Value; break;
                case 1: b = tag.Value; break;
                case 2: c = tag.Value; break;
                case 3: d = tag.Value; break;
            }
        }

        return new LabelValues(a, b, c, d);
    }
}

/// <summary>
/// One series' running value: a sum (counter, up-down counter), a last value (gauge), or histogram buckets. Updated with
/// interlocked operations only, so recording takes no lock.
/// </summary>
public sealed class MetricSeries(double[]? buckets)
{
    private long _sumBits;
    private long _count;
    private readonly long[]? _buckets = buckets is null ? null : new long[buckets.Length + 1];

    public double Value => BitConverter.Int64BitsToDouble(Volatile.Read(ref _sumBits));

    public long Count => Volatile.Read(ref _count);

    /// <summary>Non-cumulative counts per bucket; the last is the one above every bound.</summary>
    public long BucketCount(int i) => Volatile.Read(ref _buckets![i]);

    public void Add(double value)
    {
        long seen, next;
        do
        {
            seen = Volatile.Read(ref _sumBits);
            next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(seen) + value);
        }
        while (Interlocked.CompareExchange(ref _sumBits, next, seen) != seen);
    }

    public void Set(double value) => Volatile.Write(ref _sumBits, BitConverter.DoubleToInt64Bits(value));

    public void Observe(double value, double[] bounds)
    {
        var i = 0;
        while (i < bounds.Length && value > bounds[i])
        {
            i++;
        }

        Interlocked.Increment(ref _buckets![i]);
        Interlocked.Increment(ref _count);
        Add(value);
    }
}
