using Vigil.Domain.Readings;
using Vigil.Domain.Scoring;
using Vigil.Domain.Simulation;

namespace Vigil.Domain.Tests.Simulation;

public sealed class SimulatedPatientTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The patient's rounds every <paramref name="every"/> for <paramref name="hours"/>, scored after each round.</summary>
    private static List<(DateTimeOffset At, News2Score Score, IReadOnlyList<SimulatedReading> Round)> Run(
        SimulatedPatient patient, double hours, TimeSpan every)
    {
        var history = new List<Reading>();
        var scores = new List<(DateTimeOffset, News2Score, IReadOnlyList<SimulatedReading>)>();
        for (var at = Start; at <= Start.AddHours(hours); at += every)
        {
            var round = patient.Observe(at);
            history.AddRange(round.Select(r => ToReading(patient.Id, r)));
            history.RemoveAll(r => at - r.ObservedAt > TimeSpan.FromHours(1));
            scores.Add((at, News2Calculator.Calculate(history, 1), round));
        }

        return scores;
    }

    private static Reading ToReading(string patientId, SimulatedReading r)
    {
        VitalTypes.TryGetByName(r.Type, out var type).ShouldBeTrue(r.Type);
        var value = r.Flag is { } flag ? (flag ? 1 : 0) : r.Value;
        return new Reading(Guid.NewGuid().ToString("N"), patientId, null, type, value, r.Text, r.ObservedAt);
    }

    [Fact]
    public void A_stable_patients_NEWS2_stays_low_over_a_simulated_day()
    {
        for (var seed = 0; seed < 20; seed++)
        {
            var patient = new SimulatedPatient("p", seed, Scenario.Stable, Start);
            var scores = Run(patient, 24, TimeSpan.FromMinutes(5));
            scores.Max(s => s.Score.Score).ShouldBeLessThanOrEqualTo(3, $"seed {seed}");
            scores.ShouldAllBe(s => s.Score.Risk == News2Risk.Low);
        }
    }

    [Fact]
    public void A_stable_patients_readings_stay_inside_the_default_alarm_limits()
    {
        var patient = new SimulatedPatient("p", 7, Scenario.Stable, Start);
        var readings = Run(patient, 24, TimeSpan.FromMinutes(1)).SelectMany(s => s.Round).ToList();
        readings.Where(r => r.Type == "heart_rate").ShouldAllBe(r => r.Value > 40 && r.Value < 131);
        readings.Where(r => r.Type == "respiratory_rate").ShouldAllBe(r => r.Value > 8 && r.Value < 25);
        readings.Where(r => r.Type == "spo2").ShouldAllBe(r => r.Value > 91);
        readings.Where(r => r.Type == "systolic_bp").ShouldAllBe(r => r.Value > 90 && r.Value < 220);
        readings.Where(r => r.Type == "temperature").ShouldAllBe(r => r.Value > 35 && r.Value < 39.1);
    }

    [Fact]
    public void A_septic_patients_NEWS2_rises_to_high_risk()
    {
        var patient = new SimulatedPatient("p", 3, Scenario.Sepsis, Start);
        var scores = Run(patient, 4, TimeSpan.FromMinutes(5));
        scores.First().Score.Score.ShouldBeLessThanOrEqualTo(2);
        var worst = scores.Last().Score;
        worst.Risk.ShouldBe(News2Risk.High);
        worst.Score.ShouldBeGreaterThanOrEqualTo(9);
        // The score climbs with the course: the last hour scores above the first.
        scores.TakeLast(12).Average(s => s.Score.Score).ShouldBeGreaterThan(scores.Take(12).Average(s => s.Score.Score) + 5);
    }

    [Fact]
    public void A_hypoxic_patient_desaturates_and_is_put_on_oxygen()
    {
        var patient = new SimulatedPatient("p", 4, Scenario.Hypoxia, Start);
        var last = Run(patient, 3, TimeSpan.FromMinutes(5)).Last();
        last.Round.Single(r => r.Type == "spo2").Value.ShouldNotBeNull().ShouldBeLessThanOrEqualTo(91);
        last.Round.Single(r => r.Type == "oxygen_supplement").Flag.ShouldBe(true);
        last.Score.Parameters[News2Parameter.Spo2].Points.ShouldBe(3);
    }

    [Fact]
    public void A_bradycardic_patients_pulse_sinks_below_forty()
    {
        var patient = new SimulatedPatient("p", 5, Scenario.Bradycardia, Start);
        var last = Run(patient, 3, TimeSpan.FromMinutes(5)).Last();
        last.Round.Single(r => r.Type == "heart_rate").Value.ShouldNotBeNull().ShouldBeLessThanOrEqualTo(40);
        last.Score.Parameters[News2Parameter.Pulse].Points.ShouldBe(3);
    }

    [Fact]
    public void A_disconnected_monitor_sends_nothing_after_the_onset()
    {
        var patient = new SimulatedPatient("p", 6, Scenario.Disconnect, Start);
        patient.Observe(Start.AddMinutes(5)).ShouldNotBeEmpty();
        patient.Observe(Start.Add(CourseTiming.Ward.Onset).AddMinutes(1)).ShouldBeEmpty();
    }

    [Fact]
    public void The_same_seed_gives_the_same_readings_and_another_seed_others()
    {
        static List<SimulatedReading> Readings(int seed) =>
            [.. Enumerable.Range(0, 50).SelectMany(i => new SimulatedPatient("p", seed, Scenario.Sepsis, Start).Observe(Start.AddMinutes(i)))];

        var a = new SimulatedPatient("p", 11, Scenario.Sepsis, Start);
        var b = new SimulatedPatient("p", 11, Scenario.Sepsis, Start);
        var c = new SimulatedPatient("p", 12, Scenario.Sepsis, Start);
        for (var i = 0; i < 200; i++)
        {
            var at = Start.AddMinutes(i);
            var ra = a.Observe(at);
            ra.ShouldBe(b.Observe(at));
            c.Observe(at);
        }

        a.Baseline.ShouldNotBe(c.Baseline);
        Readings(1).ShouldBe(Readings(1));
    }

    [Fact]
    public void Sensor_dropouts_lose_some_readings_but_not_most()
    {
        var patient = new SimulatedPatient("p", 8, Scenario.Stable, Start);
        var rounds = Enumerable.Range(0, 1000).Select(i => patient.Observe(Start.AddMinutes(i)).Count).ToList();
        var lost = rounds.Sum(c => 8 - c) / 8000.0;
        lost.ShouldBeInRange(0.01, 0.03);
    }

    [Fact]
    public void Pulse_and_temperature_follow_the_time_of_day()
    {
        var patient = new SimulatedPatient("p", 9, Scenario.Stable, Start);
        var readings = Enumerable.Range(0, 14 * 24 * 12).SelectMany(i => patient.Observe(Start.AddMinutes(5 * i))).ToList();
        double Mean(string type, int hour) =>
            readings.Where(r => r.Type == type && r.ObservedAt.Hour == hour).Average(r => r.Value!.Value);
        Mean("heart_rate", 16).ShouldBeGreaterThan(Mean("heart_rate", 4) + 3);
        Mean("temperature", 16).ShouldBeGreaterThan(Mean("temperature", 4) + 0.2);
    }

    [Fact]
    public void A_ward_deals_every_course_in_a_mixed_run_and_changing_a_course_restarts_it()
    {
        var ward = SimulatedWard.Create("bed-", 24, Scenario.Mixed, 1, Start);
        ward.Select(p => p.Id).ShouldBe(Enumerable.Range(1, 24).Select(i => $"bed-{i:000}"));
        ward.Select(p => p.Course).Distinct().OrderBy(c => c).ShouldBe(Scenario.Courses.OrderBy(c => c));
        ward.Count(p => p.Course == Scenario.Stable).ShouldBeGreaterThan(12);

        var patient = ward.First(p => p.Course == Scenario.Stable);
        patient.ChangeCourse(Scenario.Sepsis, Start.AddHours(1));
        patient.Severity(Start.AddHours(1)).ShouldBe(0);
        patient.Severity(Start.AddHours(4)).ShouldBe(1);
        Should.Throw<ArgumentException>(() => patient.ChangeCourse(Scenario.Mixed, Start));
    }
}
