using Vigil.Domain.Readings;

namespace Vigil.Domain.Scoring;

/// <summary>
/// Scores one patient's readings on the NEWS2 chart (Royal College of Physicians, 2017). Each parameter takes its
/// latest value observed within <see cref="Window"/> (event time) before the newest NEWS2 reading, so a score describes
/// one round of observations rather than mixing in stale ones; parameters without a value there are listed missing.
/// </summary>
public static class News2Calculator
{
    /// <summary>How far back from the newest NEWS2 reading a value still counts; a value exactly this old counts.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(60);

    private static readonly Dictionary<VitalType, string> Parameters = new()
    {
        [VitalTypes.RespiratoryRate] = News2Parameter.RespirationRate,
        [VitalTypes.Spo2] = News2Parameter.Spo2,
        [VitalTypes.OxygenSupplement] = News2Parameter.AirOrOxygen,
        [VitalTypes.SystolicBp] = News2Parameter.SystolicBp,
        [VitalTypes.HeartRate] = News2Parameter.Pulse,
        [VitalTypes.Consciousness] = News2Parameter.Consciousness,
        [VitalTypes.Temperature] = News2Parameter.Temperature,
    };

    /// <summary>
    /// Scores <paramref name="readings"/>, all of one patient, in any order; types that are not NEWS2 parameters
    /// (weight, diastolic pressure...) are ignored. <paramref name="spo2Scale"/> is the patient's SpO2 scale, 1 or 2.
    /// </summary>
    public static News2Score Calculate(IEnumerable<Reading> readings, int spo2Scale)
    {
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentOutOfRangeException.ThrowIfLessThan(spo2Scale, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(spo2Scale, 2);

        var relevant = new List<Reading>();
        string? patientId = null;
        foreach (var reading in readings)
        {
            // Mixing patients would silently produce a score that belongs to no one.
            patientId ??= reading.PatientId;
            if (reading.PatientId != patientId)
            {
                throw new ArgumentException(
                    $"readings of more than one patient ({patientId}, {reading.PatientId}); NEWS2 is scored per patient",
                    nameof(readings));
            }

            if (Parameters.ContainsKey(reading.Type))
            {
                relevant.Add(reading);
            }
        }

        if (relevant.Count == 0)
        {
            return new News2Score(0, News2Risk.Low, new Dictionary<string, News2ParameterScore>(), News2Parameter.All, null);
        }

        var newest = relevant.Max(r => r.ObservedAt);
        var latest = new Dictionary<string, Reading>();
        foreach (var reading in relevant)
        {
            if (newest - reading.ObservedAt > Window)
            {
                continue;
            }

            // On equal event times the one given later wins: the caller's order is the order of arrival.
            var name = Parameters[reading.Type];
            if (!latest.TryGetValue(name, out var current) || reading.ObservedAt >= current.ObservedAt)
            {
                latest[name] = reading;
            }
        }

        return Score(latest, spo2Scale, newest);
    }

    private static News2Score Score(Dictionary<string, Reading> latest, int spo2Scale, DateTimeOffset at)
    {
        bool? onOxygen = latest.TryGetValue(News2Parameter.AirOrOxygen, out var oxygen) ? Number(oxygen) != 0 : null;

        var scores = new Dictionary<string, News2ParameterScore>();
        foreach (var name in News2Parameter.All)
        {
            if (latest.TryGetValue(name, out var reading))
            {
                scores[name] = ScoreOne(name, reading, spo2Scale, onOxygen);
            }
        }

        var aggregate = scores.Values.Sum(s => s.Points);
        var risk = News2Risk.For(aggregate, scores.Values.Any(s => s.Points == 3));
        var missing = News2Parameter.All.Where(n => !scores.ContainsKey(n)).ToList();
        return new News2Score(aggregate, risk, scores, missing, at);
    }

    private static News2ParameterScore ScoreOne(string name, Reading reading, int spo2Scale, bool? onOxygen)
    {
        switch (name)
        {
            case News2Parameter.RespirationRate:
                var rate = Whole(Number(reading));
                return new(rate, News2Bands.RespirationRate(rate));
            case News2Parameter.Spo2:
                var spo2 = Whole(Number(reading));
                return new(spo2, spo2Scale == 2 ? News2Bands.Spo2Scale2(spo2, onOxygen) : News2Bands.Spo2Scale1(spo2));
            case News2Parameter.AirOrOxygen:
                var on = onOxygen == true;
                return new(on ? "oxygen" : "air", News2Bands.AirOrOxygen(on));
            case News2Parameter.SystolicBp:
                var systolic = Whole(Number(reading));
                return new(systolic, News2Bands.SystolicBp(systolic));
            case News2Parameter.Pulse:
                var pulse = Whole(Number(reading));
                return new(pulse, News2Bands.Pulse(pulse));
            case News2Parameter.Consciousness:
                var acvpu = reading.Text ?? throw new ArgumentException($"consciousness reading {reading.Id} has no ACVPU level");
                return new(acvpu, News2Bands.Consciousness(acvpu));
            default:
                var celsius = OneDecimal(Number(reading));
                return new(celsius, News2Bands.Temperature(celsius));
        }
    }

    private static double Number(Reading reading) =>
        reading.Value ?? throw new ArgumentException($"{reading.Type.Name} reading {reading.Id} has no value");

    // The chart's bands are whole numbers (temperature: one decimal), so values are rounded before banding, half away
    // from zero as people round. Rounding goes through decimal, which takes a double at 15 significant digits, so that
    // a midpoint blurred by unit conversion still rounds up: 96.53 °F is 35.85 °C, held as 35.849999999999994.
    private static int Whole(double value) => (int)Math.Round((decimal)value, MidpointRounding.AwayFromZero);

    private static double OneDecimal(double value) => (double)Math.Round((decimal)value, 1, MidpointRounding.AwayFromZero);
}
