using System.Globalization;
using System.Text;

namespace Vigil.Bench;

/// <summary>
/// A pre-serialized JSON array of readings whose ids are fixed-width decimal fields: each request copies the template
/// and writes a fresh sequence number into every id, so every reading id is unique and the client spends no time on
/// JSON. Each reading: patientId from a pool, type heart_rate, value 60..100, observedAt 10 to 50 minutes ago (UTC),
/// no unit; as FHIR, the same readings as heart-rate Observations (LOINC 8867-4, /min) of a transaction Bundle.
/// </summary>
public sealed class ReadingBatch
{
    public const int SequenceDigits = 12;

    private readonly byte[] _template;
    private readonly int[] _idOffsets;

    /// <summary>How a batch is written: Vigil's JSON array, or a FHIR R4 transaction Bundle of vital-signs Observations.</summary>
    public enum Format
    {
        Json,
        FhirTransaction,
    }

    public ReadingBatch(string tag, int size, int patients, int seed, Format format = Format.Json)
    {
        var random = new Random(seed);
        var now = DateTimeOffset.UtcNow;
        var json = new StringBuilder(size * 400);
        var offsets = new List<int>(size);
        json.Append(format == Format.Json ? "[" : "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[");
        for (var i = 0; i < size; i++)
        {
            var patient = PatientId(random.Next(patients));
            var value = random.Next(60, 101).ToString(CultureInfo.InvariantCulture);
            var observedAt = ObservedAt(now, random).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            json.Append(i == 0 ? "" : ",");
            json.Append(format == Format.Json ? "{\"id\":\"" : "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"").Append(tag).Append('-');
            offsets.Add(Encoding.UTF8.GetByteCount(json.ToString()));
            json.Append('0', SequenceDigits);
            if (format == Format.Json)
            {
                json.Append("\",\"patientId\":\"").Append(patient).Append("\",\"type\":\"heart_rate\",\"value\":").Append(value)
                    .Append(",\"observedAt\":\"").Append(observedAt).Append("\"}");
            }
            else
            {
                json.Append("\",\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"vital-signs\"}]}]")
                    .Append(",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\",\"display\":\"Heart rate\"}]}")
                    .Append(",\"subject\":{\"reference\":\"Patient/").Append(patient).Append("\"},\"effectiveDateTime\":\"").Append(observedAt)
                    .Append("\",\"valueQuantity\":{\"value\":").Append(value)
                    .Append(",\"unit\":\"beats/minute\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"/min\"}}")
                    .Append(",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}");
            }
        }

        json.Append(format == Format.Json ? "]" : "]}");
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
