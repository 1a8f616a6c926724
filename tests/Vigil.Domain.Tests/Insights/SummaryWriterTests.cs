using Vigil.Domain.Insights;

namespace Vigil.Domain.Tests.Insights;

public class SummaryWriterTests
{
    private static readonly DateTimeOffset To = new(2026, 11, 21, 14, 30, 0, TimeSpan.Zero);

    private static SummaryFacts Facts(IReadOnlyList<VitalFact>? vitals = null, News2Course? news2 = null, AlertFacts? alerts = null, IReadOnlyList<EventCount>? events = null) =>
        new("p12", "Ada Lovelace", "ward-a", To.AddHours(-24), To, vitals ?? [], news2,
            alerts ?? new AlertFacts(0, new Dictionary<string, int>(), 0, []), events ?? []);

    [Fact]
    public void A_quiet_day_says_so()
    {
        SummaryWriter.Write(Facts()).ShouldBe(
            "Ada Lovelace (p12), 2026-11-20 14:30 UTC to 2026-11-21 14:30 UTC. No vital signs were recorded. No NEWS2 score. No alerts were raised; none is open.");
    }

    [Fact]
    public void Vitals_news2_alerts_and_events_are_written_from_the_facts()
    {
        var facts = Facts(
            [
                new VitalFact("heart_rate", "/min", 48, 72, 118, 91.46, 118, To.AddMinutes(-5), new VitalTrend("rising", 2.04, 1.5, 2.6, 40)),
                new VitalFact("spo2", "%", 1, 94, 94, 94, 94, To.AddHours(-3), null),
                new VitalFact("temperature", "Cel", 12, 36.8, 37.4, 37.1, 37.0, To.AddHours(-1), new VitalTrend("stable", 0.01, -0.02, 0.04, 12)),
            ],
            new News2Course(new News2Point(1, "low", To.AddHours(-20)), new News2Point(6, "medium", To.AddMinutes(-5)), new News2Point(7, "high", To.AddHours(-1)), 4),
            new AlertFacts(3, new Dictionary<string, int> { ["urgent"] = 2, ["high"] = 1 }, 1, []),
            [new EventCount("note", 2), new EventCount("medication_administered", 1)]);

        SummaryWriter.Write(facts).ShouldBe(
            "Ada Lovelace (p12), 2026-11-20 14:30 UTC to 2026-11-21 14:30 UTC." +
            " Heart rate 72 to 118 /min, mean 91.5, latest 118 (48 readings), rising 2 /min per hour." +
            " SpO2 94 % (1 reading)." +
            " Temperature 36.8 to 37.4 Cel, mean 37.1, latest 37 (12 readings), stable." +
            " NEWS2 went from 1 to 6 (medium risk), highest 7." +
            " 3 alerts were raised (2 urgent, 1 high); 1 is open now." +
            " Clinical events: 2 note, 1 medication administered.");
    }

    [Fact]
    public void The_deterministic_text_passes_its_own_fact_check()
    {
        var facts = Facts([new VitalFact("heart_rate", "/min", 48, 72, 118, 91.46, 118, To, new VitalTrend("rising", 2.04, 1.5, 2.6, 40))]);
        var text = SummaryWriter.Write(facts);
        FactCheck.Unsupported(text, FactCheck.NumbersOf(facts)).ShouldBeEmpty();
    }

    [Fact]
    public void The_fact_check_finds_numbers_that_are_not_among_the_facts()
    {
        var facts = Facts([new VitalFact("heart_rate", "/min", 48, 72, 118, 91.46, 118, To, null)],
            new News2Course(new News2Point(1, "low", To), new News2Point(6, "medium", To), new News2Point(6, "medium", To), 1));
        var numbers = FactCheck.NumbersOf(facts).ToList();
        FactCheck.Unsupported("Over the last 24 hours NEWS2 rose to 6; heart rate averaged 91.5 /min (SpO2 not measured), 72-118.", numbers).ShouldBeEmpty();
        FactCheck.Unsupported("Heart rate averaged 91.46 /min, peaking at 118 at 14:30 on 2026-11-21.", numbers).ShouldBeEmpty();
        FactCheck.Unsupported("Heart rate averaged 92 /min and reached 125bpm; give 500 mg.", numbers).ShouldBe(["92", "125", "500"]);
    }
}
