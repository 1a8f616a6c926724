namespace Vigil.Domain.Simulation;

/// <summary>
/// One synthetic patient: a <see cref="Baseline"/>, a circadian rhythm, measurement noise, the occasional sensor
/// artefact and dropped reading, and the course (<see cref="Scenario"/>) they follow. Pure and deterministic: the
/// same seed and the same sequence of <see cref="Observe"/> times give the same readings.
/// </summary>
public sealed class SimulatedPatient
{
    /// <summary>The share of readings a round loses (a probe slipping, a measurement that failed).</summary>
    public const double DropoutRate = 0.02;

    /// <summary>The share of rounds with one artefact: a motion spike on the pulse or a brief SpO2 dip.</summary>
    public const double ArtefactRate = 0.01;

    private readonly Random _random;
    private readonly CourseTiming _timing;

    /// <summary>
    /// A patient whose baseline and noise come from <paramref name="seed"/>, on <paramref name="course"/> from
    /// <paramref name="courseStart"/>; <paramref name="drawBaseline"/> draws the baseline (default
    /// <see cref="Baseline.Draw"/>; <see cref="Baseline.DrawAtypical"/> for unusual but steady normals).
    /// </summary>
    public SimulatedPatient(
        string id, int seed, string course, DateTimeOffset courseStart, CourseTiming? timing = null, Func<Random, Baseline>? drawBaseline = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        Id = id;
        _random = new Random(seed);
        _timing = timing ?? CourseTiming.Ward;
        Baseline = (drawBaseline ?? Baseline.Draw)(_random);
        ChangeCourse(course, courseStart);
    }

    public string Id { get; }

    public Baseline Baseline { get; }

    /// <summary>The scenario the patient follows now (never <see cref="Scenario.Mixed"/>).</summary>
    public string Course { get; private set; } = Scenario.Stable;

    /// <summary>Simulated time at which the current course started.</summary>
    public DateTimeOffset CourseStart { get; private set; }

    /// <summary>Puts the patient on <paramref name="course"/> from <paramref name="at"/>: a deterioration starts from the baseline again.</summary>
    public void ChangeCourse(string course, DateTimeOffset at)
    {
        if (!Scenario.Courses.Contains(course))
        {
            throw new ArgumentException($"'{course}' is not a patient's course; one of {string.Join(", ", Scenario.Courses)}", nameof(course));
        }

        Course = course;
        CourseStart = at;
    }

    /// <summary>How far the current course has gone at <paramref name="at"/>, 0 to 1.</summary>
    public double Severity(DateTimeOffset at) => Course == Scenario.Stable ? 0 : _timing.Severity(at - CourseStart);

    /// <summary>Whether the monitor has been disconnected by <paramref name="at"/>.</summary>
    public bool Disconnected(DateTimeOffset at) => Course == Scenario.Disconnect && at - CourseStart > _timing.Onset;

    /// <summary>
    /// One round of observations at <paramref name="at"/>: pulse, respiration, SpO2, temperature, blood pressure,
    /// consciousness and oxygen, less any dropped readings; nothing at all once disconnected.
    /// </summary>
    public IReadOnlyList<SimulatedReading> Observe(DateTimeOffset at)
    {
        // The random draws happen in the same order whatever the course, so changing one patient's course leaves
        // every other draw of theirs as it was.
        var noise = new double[6];
        for (var i = 0; i < noise.Length; i++)
        {
            noise[i] = Gaussian();
        }

        var dropped = new bool[8];
        for (var i = 0; i < dropped.Length; i++)
        {
            dropped[i] = _random.NextDouble() < DropoutRate;
        }

        var artefact = _random.NextDouble() < ArtefactRate ? _random.Next(2) + 1 : 0;
        var artefactSize = _random.NextDouble();

        if (Disconnected(at))
        {
            return [];
        }

        var b = Baseline;
        // Vital signs run lowest in the small hours and highest in the late afternoon (about 04:00 and 16:00).
        var phase = Math.Cos(2 * Math.PI * ((at.UtcDateTime.TimeOfDay.TotalHours - 16) / 24));
        var heartRate = b.HeartRate + (3 * phase) + (2 * noise[0]);
        var respiration = b.RespiratoryRate + (0.7 * noise[1]);
        var spo2 = b.Spo2 + (0.5 * noise[2]);
        var temperature = b.Temperature + (0.2 * phase) + (0.07 * noise[3]);
        var systolic = b.Systolic + (4 * phase) + (3 * noise[4]);
        var diastolic = b.Diastolic + (2 * phase) + (2 * noise[5]);
        var consciousness = "A";
        var oxygen = false;

        var s = Severity(at);
        switch (Course)
        {
            case Scenario.Sepsis:
                heartRate += 50 * s;
                respiration += 14 * s;
                temperature += 2.4 * s;
                systolic -= 45 * s;
                diastolic -= 22 * s;
                spo2 -= 4 * s;
                consciousness = s >= 0.9 ? "C" : "A";
                break;
            case Scenario.Hypoxia:
                oxygen = s >= 0.6;
                spo2 -= (14 * s) - (oxygen ? 3 : 0);
                respiration += 9 * s;
                heartRate += 22 * s;
                break;
            case Scenario.Bradycardia:
                heartRate -= (b.HeartRate - 32) * s;
                systolic -= 15 * s;
                break;
        }

        // Artefacts stay under the default alarm limits: a stable patient's monitor twitches without alarming.
        if (artefact == 1)
        {
            heartRate += 15 + (15 * artefactSize);
        }
        else if (artefact == 2)
        {
            spo2 = Math.Min(spo2, 92 + (2 * artefactSize));
        }

        var readings = new List<SimulatedReading>(8);
        void Add(int slot, string type, double? value, string? text = null, bool? flag = null)
        {
            if (!dropped[slot])
            {
                readings.Add(new SimulatedReading(type, value, text, flag, at));
            }
        }

        Add(0, "heart_rate", Math.Round(Math.Clamp(heartRate, 20, 250)));
        Add(1, "respiratory_rate", Math.Round(Math.Clamp(respiration, 4, 60)));
        Add(2, "spo2", Math.Round(Math.Clamp(spo2, 50, 100)));
        Add(3, "temperature", Math.Round(Math.Clamp(temperature, 30, 43), 1));
        Add(4, "systolic_bp", Math.Round(Math.Clamp(systolic, 50, 250)));
        Add(5, "diastolic_bp", Math.Round(Math.Clamp(Math.Min(diastolic, systolic - 15), 25, 150)));
        Add(6, "consciousness", null, text: consciousness);
        Add(7, "oxygen_supplement", null, flag: oxygen);
        return readings;
    }

    /// <summary>A standard normal draw (Box-Muller), clipped at 2.5 standard deviations: monitors filter wild outliers.</summary>
    private double Gaussian()
    {
        var u1 = 1 - _random.NextDouble();
        var u2 = _random.NextDouble();
        var z = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        return Math.Clamp(z, -2.5, 2.5);
    }
}
