using Vigil.Domain.Insights;

namespace Vigil.Domain.Tests.Insights;

public sealed class PersonalBaselineTests
{
    private static PersonalBaseline Absorbed(string type, IEnumerable<double> means) =>
        means.Aggregate(PersonalBaseline.Empty, (b, m) => b.Absorb(m, type));

    [Fact]
    public void The_first_minute_sets_the_level_and_later_ones_average_in()
    {
        var baseline = Absorbed("heart_rate", [70]);
        baseline.Level.ShouldBe(70);
        baseline.Minutes.ShouldBe(1);

        // Running medians of [70, 72] = 71, then [70, 72, 74] = 72: running means of those while warming up.
        baseline = baseline.Absorb(72, "heart_rate").Absorb(74, "heart_rate");
        baseline.Level.ShouldBe((70 + 71 + 72) / 3.0, 1e-9);
        baseline.Recent.ShouldBe([70, 72, 74]);
    }

    [Fact]
    public void One_artefact_minute_does_not_move_the_level()
    {
        var steady = Absorbed("heart_rate", Enumerable.Repeat(70.0, 120));
        var afterSpike = steady.Absorb(160, "heart_rate");

        afterSpike.Level.ShouldBe(70);
        afterSpike.Spread.ShouldBe(0);
        steady.Deviation(160, "heart_rate").ShouldBe((160 - 70) / 2.0);
    }

    [Fact]
    public void Only_the_last_five_minutes_make_the_median_and_they_stay_in_arrival_order()
    {
        var baseline = Absorbed("heart_rate", [90, 50, 80, 60, 70, 75]);

        baseline.Recent.ShouldBe([50, 80, 60, 70, 75]);
    }

    [Fact]
    public void A_steady_patient_is_measured_against_the_types_floor_not_a_zero_spread()
    {
        var baseline = Absorbed("spo2", Enumerable.Repeat(98.0, 90));

        baseline.Spread.ShouldBe(0);
        baseline.Scale("spo2").ShouldBe(1);
        baseline.Deviation(95, "spo2").ShouldBe(-3);
    }

    [Fact]
    public void A_lasting_change_is_followed_at_no_more_than_one_spread_an_hour()
    {
        var baseline = Absorbed("heart_rate", Enumerable.Repeat(60.0, 120));
        var after = Enumerable.Repeat(90.0, 60).Aggregate(baseline, (b, m) => b.Absorb(m, "heart_rate"));

        // The floor for heart rate is 2 /min: an hour moves the level by at most 2, and it does move toward 90.
        after.Level.ShouldBeGreaterThan(60);
        after.Level.ShouldBeLessThanOrEqualTo(62 + 1e-9);
    }

    [Fact]
    public void Types_without_a_floor_of_their_own_use_one_percent_of_the_level()
    {
        BaselineFloor.For("weight", 80).ShouldBe(0.8, 1e-12);
        BaselineFloor.For("steps", 0).ShouldBe(0.001);
    }
}
