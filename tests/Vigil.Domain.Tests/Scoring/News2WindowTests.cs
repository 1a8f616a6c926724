using Vigil.Domain.Readings;
using Vigil.Domain.Scoring;
using static Vigil.Domain.Tests.Scoring.News2Readings;

namespace Vigil.Domain.Tests.Scoring;

// Which values a score is made of: the latest of each parameter within 60 minutes (event time) of the newest.
public sealed class News2WindowTests
{
    [Fact]
    public void A_value_61_minutes_older_than_the_newest_is_ignored_and_listed_missing()
    {
        var score = News2Calculator.Calculate(Patient(Vital(VitalTypes.SystolicBp, 80, minutesBefore: 61)), spo2Scale: 1);

        score.Parameters.ContainsKey("systolic_bp").ShouldBeFalse();
        score.Missing.ShouldBe(["systolic_bp"]);
        score.Complete.ShouldBeFalse();
        score.Score.ShouldBe(0);
    }

    [Fact]
    public void A_value_exactly_60_minutes_older_than_the_newest_still_counts()
    {
        var score = News2Calculator.Calculate(Patient(Vital(VitalTypes.SystolicBp, 80, minutesBefore: 60)), spo2Scale: 1);

        score.Parameters["systolic_bp"].ShouldBe(new News2ParameterScore(80, 3));
        score.Complete.ShouldBeTrue();
    }

    [Fact]
    public void The_window_ends_at_the_newest_news2_reading_not_at_a_newer_reading_of_another_type()
    {
        var readings = Patient(Vital(VitalTypes.SystolicBp, 80, minutesBefore: 50));
        readings.Add(Vital(VitalTypes.Weight, 70, minutesBefore: -30));

        var score = News2Calculator.Calculate(readings, spo2Scale: 1);

        score.Parameters["systolic_bp"].Points.ShouldBe(3);
        score.At.ShouldBe(Newest);
    }

    [Fact]
    public void The_window_follows_the_newest_reading_so_an_older_round_drops_out()
    {
        var readings = Patient().Select(r => r with { ObservedAt = r.ObservedAt.AddMinutes(-120) }).ToList();
        readings.Add(Vital(VitalTypes.HeartRate, 135));

        var score = News2Calculator.Calculate(readings, spo2Scale: 1);

        score.Parameters.Keys.ShouldBe(["pulse"]);
        score.Missing.ShouldBe(["respiration_rate", "spo2", "air_or_oxygen", "systolic_bp", "consciousness", "temperature"]);
        score.Score.ShouldBe(3);
        score.Risk.ShouldBe("low-medium");
        score.At.ShouldBe(Newest);
    }

    [Fact]
    public void The_latest_value_wins_even_when_readings_arrive_out_of_order()
    {
        var readings = Patient(Vital(VitalTypes.HeartRate, 135, minutesBefore: 5));
        readings.Insert(0, Vital(VitalTypes.HeartRate, 60, minutesBefore: 40));
        readings.Add(Vital(VitalTypes.HeartRate, 45, minutesBefore: 20));

        var score = News2Calculator.Calculate(readings, spo2Scale: 1);

        score.Parameters["pulse"].ShouldBe(new News2ParameterScore(135, 3));
    }

    [Fact]
    public void Of_two_values_at_the_same_event_time_the_one_given_later_wins()
    {
        var readings = Patient(Vital(VitalTypes.HeartRate, 60, minutesBefore: 5));
        readings.Add(Vital(VitalTypes.HeartRate, 120, minutesBefore: 5));

        News2Calculator.Calculate(readings, spo2Scale: 1).Parameters["pulse"].ShouldBe(new News2ParameterScore(120, 2));
    }

    [Fact]
    public void At_is_the_newest_event_time_used()
    {
        var readings = Patient().Select(r => r with { ObservedAt = r.ObservedAt.AddMinutes(-30) }).ToList();
        readings.Add(Vital(VitalTypes.HeartRate, 70, minutesBefore: 10));

        News2Calculator.Calculate(readings, spo2Scale: 1).At.ShouldBe(Newest.AddMinutes(-10));
    }

    [Fact]
    public void An_incomplete_set_scores_what_is_present_and_lists_the_rest_in_chart_order()
    {
        Reading[] readings = [Vital(VitalTypes.RespiratoryRate, 26), Vital(VitalTypes.Temperature, 39.5)];

        var score = News2Calculator.Calculate(readings, spo2Scale: 1);

        score.Score.ShouldBe(5);
        score.Risk.ShouldBe("medium");
        score.Complete.ShouldBeFalse();
        score.Parameters.Keys.ShouldBe(["respiration_rate", "temperature"]);
        score.Missing.ShouldBe(["spo2", "air_or_oxygen", "systolic_bp", "pulse", "consciousness"]);
    }

    [Fact]
    public void No_readings_score_0_with_every_parameter_missing()
    {
        var score = News2Calculator.Calculate([], spo2Scale: 1);

        score.Score.ShouldBe(0);
        score.Risk.ShouldBe("low");
        score.Parameters.ShouldBeEmpty();
        score.Missing.ShouldBe(News2Parameter.All);
        score.Complete.ShouldBeFalse();
        score.At.ShouldBeNull();
    }

    [Fact]
    public void Readings_of_types_outside_news2_are_ignored()
    {
        var readings = Patient();
        readings.Add(Vital(VitalTypes.Weight, 80));
        readings.Add(Vital(VitalTypes.DiastolicBp, 30));
        readings.Add(Vital(VitalTypes.Steps, 12_000));

        var score = News2Calculator.Calculate(readings, spo2Scale: 1);

        score.Score.ShouldBe(0);
        score.Parameters.Keys.ShouldBe(News2Parameter.All);
    }

    [Fact]
    public void Only_other_types_score_like_no_readings()
    {
        var score = News2Calculator.Calculate([Vital(VitalTypes.Weight, 80)], spo2Scale: 1);

        score.Missing.ShouldBe(News2Parameter.All);
        score.At.ShouldBeNull();
    }
}
