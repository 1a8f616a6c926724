using FsCheck;
using FsCheck.Fluent;
using Vigil.Domain.Insights;

namespace Vigil.Domain.Tests.Insights;

/// <summary>Properties of the personal baseline over generated series of minute means.</summary>
public sealed class PersonalBaselinePropertyTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(300).WithQuietOnSuccess(true);

    /// <summary>1 to 300 minute means of a heart rate, 30.0 to 200.0 /min.</summary>
    private static Gen<double[]> Means() =>
        Gen.Choose(1, 300).SelectMany(n => Gen.ArrayOf(Gen.Choose(300, 2000).Select(v => v / 10.0), n));

    private static PersonalBaseline Absorbed(IEnumerable<double> means) =>
        means.Aggregate(PersonalBaseline.Empty, (b, m) => b.Absorb(m, "heart_rate"));

    [Fact]
    public void The_level_stays_between_the_lowest_and_highest_mean_absorbed()
    {
        Check.One(Runs, Prop.ForAll(Means().ToArbitrary(), means =>
        {
            var baseline = Absorbed(means);
            return baseline.Level >= means.Min() - 1e-9 && baseline.Level <= means.Max() + 1e-9
                && baseline.Spread >= 0 && baseline.Minutes == means.Length && baseline.Recent.Count == Math.Min(means.Length, 5);
        }));
    }

    [Fact]
    public void Shifting_every_mean_shifts_the_level_and_leaves_the_spread()
    {
        var cases = from means in Means() from shift in Gen.Choose(-200, 200) select (means, shift / 10.0);
        Check.One(Runs, Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var (means, shift) = c;
            var original = Absorbed(means);
            var shifted = Absorbed(means.Select(m => m + shift));
            return Math.Abs(shifted.Level - (original.Level + shift)) < 1e-6 && Math.Abs(shifted.Spread - original.Spread) < 1e-6;
        }));
    }

    [Fact]
    public void One_minute_of_any_size_moves_a_warm_level_by_at_most_one_spread_times_the_smoothing()
    {
        var cases = from means in Means() from spike in Gen.Choose(-10_000, 10_000) select (means, spike / 10.0);
        Check.One(Runs, Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var (means, spike) = c;
            var warm = Absorbed(means.Concat(Enumerable.Repeat(means[^1], 60)));
            var after = warm.Absorb(spike, "heart_rate");
            return Math.Abs(after.Level - warm.Level) <= (warm.Scale("heart_rate") * PersonalBaseline.Smoothing) + 1e-9;
        }));
    }

    [Fact]
    public void Readings_within_one_minute_give_the_same_baseline_in_any_order()
    {
        var start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var minutes = Gen.Choose(2, 40).SelectMany(n => Gen.ArrayOf(Gen.Choose(1, 6).SelectMany(k => Gen.ArrayOf(Gen.Choose(400, 1600), k)), n));
        Check.One(Runs, Prop.ForAll(minutes.ToArbitrary(), perMinute =>
        {
            MinuteStream Feed(bool reversed)
            {
                var stream = MinuteStream.Start("heart_rate");
                for (var m = 0; m < perMinute.Length; m++)
                {
                    var values = reversed ? perMinute[m].Reverse() : perMinute[m];
                    var s = 0;
                    foreach (var v in values)
                    {
                        (stream, _) = stream.Add(start.AddMinutes(m).AddSeconds(s++), v / 10.0);
                    }
                }

                return stream;
            }

            var forward = Feed(false);
            var backward = Feed(true);
            return Math.Abs(forward.Baseline.Level - backward.Baseline.Level) < 1e-9 && forward.Count == backward.Count;
        }));
    }
}
