using System.Globalization;
using System.Text;

namespace Vigil.Bench;

/// <summary>
/// A pre-serialized JSON array of readings whose ids are fixed-width decimal fields: each request copies the template
/// and writes a fresh sequence number into every id, so every reading id is unique and the client spends no time on
/// JSON. Each reading: patientId from a pool, type heart_rate, value 60..100, observedAt 10 to 50 minutes ago (UTC),
/// no unit.
/// </summary>
public sealed class ReadingBatch
{
    public const int SequenceDigits = 12;

    private readonly byte[] _template;
    private readonly int[] _idOffsets;

    public ReadingBatch(string tag, int size, int patients, int seed)
    {
        var random = new Random(seed);
        var now = DateTimeOffset.UtcNow;
        var json = new StringBuilder(size * 128);
        var offsets = new List<int>(size);
        json.Append('[');
        for (var i = 0; i < size; i++)
        {
            json.Append(i == 0 ? "{\"id\":\"" : ",{\"id\":\"").Append(tag).Append('-');
            offsets.Add(Encoding.UTF8.GetByteCount(json.ToString()));
            json.Append('0', SequenceDigits)
                .Append("\",\"patientId\":\"").Append(PatientId(random.Next(patients)))
                .Append("\",\"type\":\"heart_rate\",\"value\":").Append(random.Next(60, 101).ToString(CultureInfo.InvariantCulture))
                .Append(",\"observedAt\":\"").Append(ObservedAt(now, random).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
                .Append("\"}");
        }

        json.Append(']');
        _template = Encoding.UTF8.GetBytes(json.ToString());
        _idOffsets = [.. offsets];
        Size = size;
    }

    public int Size { get; }

    public int Length => _template.Length;

    public static string PatientId(int n) => $"p-{n:D3}";

    /// <summary>10 to 50 minutes before <paramref name="now"/>: recent, never in the future, for runs shorter than 10 minutes.</summary>
    public static DateTimeOffset ObservedAt(DateTimeOffset now, Random random) =>
        now.AddMinutes(-10).AddMilliseconds(-random.Next(40 * 60 * 1000));

    /// <summary>Copies the template into <paramref name="buffer"/> with ids <c>{tag}-{firstSequence + i}</c>.</summary>
    public void Fill(byte[] buffer, long firstSequence)
    {
        _template.CopyTo(buffer, 0);
        for (var i = 0; i < _idOffsets.Length; i++)
        {
            var n = firstSequence + i;
            var end = _idOffsets[i] + SequenceDigits;
            for (var p = end - 1; p >= _idOffsets[i]; p--)
            {
                buffer[p] = (byte)('0' + (n % 10));
                n /= 10;
            }
        }
    }
}
