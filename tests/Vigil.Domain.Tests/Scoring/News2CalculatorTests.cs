using Vigil.Domain.Readings;
using Vigil.Domain.Scoring;
using static Vigil.Domain.Tests.Scoring.News2Readings;

namespace Vigil.Domain.Tests.Scoring;

public sealed class News2CalculatorTests
{
    private static double NumberOf(News2Score score, string parameter) => Convert.ToDouble(score.Parameters[parameter].Value);

    [Fact]
    public void A_fully_normal_patient_scores_0_and_is_low_risk()
    {
        var score = News2Calculator.Calculate(Patient(), spo2Scale: 1);

        score.Score.ShouldBe(0);
        score.Risk.ShouldBe("low");
        score.Complete.ShouldBeTrue();
        score.Missing.ShouldBeEmpty();
        score.Parameters.Keys.ShouldBe(News2Parameter.All);
        score.Parameters.Values.ShouldAllBe(p => p.Points == 0);
        score.At.ShouldBe(Newest);
    }

    [Fact]
    public void A_febrile_tachycardic_tachypnoeic_patient_scores_8_and_is_high_risk()
    {
        // RR 22 → 2, SpO2 93 (scale 1) → 2, air → 0, SBP 105 → 1, pulse 115 → 2, alert → 0, temp 38.5 → 1.
        var readings = Patient(
            Vital(VitalTypes.RespiratoryRate, 22),
            Vital(VitalTypes.Spo2, 93),
            Vital(VitalTypes.SystolicBp, 105),
            Vital(VitalTypes.HeartRate, 115),
            Vital(VitalTypes.Temperature, 38.5));

        var score = News2Calculator.Calculate(readings, spo2Scale: 1);

        score.Parameters.ToDictionary(p => p.Key, p => p.Value.Points).ShouldBe(new Dictionary<string, int>
        {
            ["respiration_rate"] = 2,
            ["spo2"] = 2,
            ["air_or_oxygen"] = 0,
            ["systolic_bp"] = 1,
            ["pulse"] = 2,
            ["consciousness"] = 0,
            ["temperature"] = 1,
        });
        score.Score.ShouldBe(8);
        score.Risk.ShouldBe("high");
    }

    [Fact]
    public void Each_parameter_reports_the_value_it_was_banded_on()
    {
        var score = News2Calculator.Calculate(Patient(Oxygen(true), Acvpu("C")), spo2Scale: 1);

        score.Parameters["respiration_rate"].Value.ShouldBe(16);
        score.Parameters["spo2"].Value.ShouldBe(97);
        score.Parameters["air_or_oxygen"].ShouldBe(new News2ParameterScore("oxygen", 2));
        score.Parameters["systolic_bp"].Value.ShouldBe(120);
        score.Parameters["pulse"].Value.ShouldBe(70);
        score.Parameters["consciousness"].ShouldBe(new News2ParameterScore("C", 3));
        score.Parameters["temperature"].Value.ShouldBe(37.0);
    }

    [Fact]
    public void Breathing_air_is_reported_as_air() =>
        News2Calculator.Calculate(Patient(), spo2Scale: 1).Parameters["air_or_oxygen"].ShouldBe(new News2ParameterScore("air", 0));

    [Theory]
    [InlineData("respiratory_rate", "respiration_rate", 20.5, 21, 2)]
    [InlineData("respiratory_rate", "respiration_rate", 20.4, 20, 0)]
    [InlineData("respiratory_rate", "respiration_rate", 8.5, 9, 1)]
    [InlineData("spo2", "spo2", 95.5, 96, 0)]
    [InlineData("spo2", "spo2", 91.4, 91, 3)]
    [InlineData("systolic_bp", "systolic_bp", 90.4, 90, 3)]
    [InlineData("systolic_bp", "systolic_bp", 90.5, 91, 2)]
    [InlineData("systolic_bp", "systolic_bp", 219.5, 220, 3)]
    [InlineData("heart_rate", "pulse", 90.5, 91, 1)]
    [InlineData("heart_rate", "pulse", 40.49, 40, 3)]
    [InlineData("temperature", "temperature", 38.05, 38.1, 1)]
    [InlineData("temperature", "temperature", 38.04, 38.0, 0)]
    [InlineData("temperature", "temperature", 35.05, 35.1, 1)]
    [InlineData("temperature", "temperature", 36.05, 36.1, 0)]
    [InlineData("temperature", "temperature", 39.05, 39.1, 2)]
    [InlineData("temperature", "temperature", 34.96, 35.0, 3)]
    public void Values_are_rounded_half_away_from_zero_before_banding(
        string type, string parameter, double value, double rounded, int points)
    {
        VitalTypes.TryGetByName(type, out var vitalType).ShouldBeTrue();

        var score = News2Calculator.Calculate(Patient(Vital(vitalType, value)), spo2Scale: 1);

        NumberOf(score, parameter).ShouldBe(rounded);
        score.Parameters[parameter].Points.ShouldBe(points);
    }

    [Fact]
    public void A_temperature_converted_from_fahrenheit_is_banded_on_its_rounded_celsius_value()
    {
        VitalTypes.Temperature.TryConvert("[degF]", 100.4, out var celsius).ShouldBeTrue();

        var score = News2Calculator.Calculate(Patient(Vital(VitalTypes.Temperature, celsius)), spo2Scale: 1);

        score.Parameters["temperature"].ShouldBe(new News2ParameterScore(38.0, 0));
    }

    [Fact]
    public void A_midpoint_blurred_by_unit_conversion_still_rounds_away_from_zero()
    {
        // 96.53 °F is exactly 35.85 °C, which the double arithmetic of the conversion holds as 35.849999999999994.
        VitalTypes.Temperature.TryConvert("[degF]", 96.53, out var celsius).ShouldBeTrue();

        var score = News2Calculator.Calculate(Patient(Vital(VitalTypes.Temperature, celsius)), spo2Scale: 1);

        score.Parameters["temperature"].ShouldBe(new News2ParameterScore(35.9, 1));
    }

    [Fact]
    public void Nothing_abnormal_is_low_risk_up_to_an_aggregate_of_4()
    {
        // Oxygen → 2, RR 22 → 2.
        var score = News2Calculator.Calculate(Patient(Oxygen(true), Vital(VitalTypes.RespiratoryRate, 22)), spo2Scale: 1);

        score.Score.ShouldBe(4);
        score.Risk.ShouldBe("low");
    }

    [Fact]
    public void A_single_parameter_scoring_3_alone_is_low_medium_risk()
    {
        var score = News2Calculator.Calculate(Patient(Acvpu("V")), spo2Scale: 1);

        score.Score.ShouldBe(3);
        score.Risk.ShouldBe("low-medium");
    }

    [Fact]
    public void A_single_3_with_an_aggregate_of_4_is_low_medium_risk()
    {
        // Unresponsive → 3, temp 38.5 → 1.
        var score = News2Calculator.Calculate(Patient(Acvpu("U"), Vital(VitalTypes.Temperature, 38.5)), spo2Scale: 1);

        score.Score.ShouldBe(4);
        score.Risk.ShouldBe("low-medium");
    }

    [Fact]
    public void A_single_3_with_an_aggregate_of_5_is_medium_risk()
    {
        // Voice → 3, RR 22 → 2.
        var score = News2Calculator.Calculate(Patient(Acvpu("V"), Vital(VitalTypes.RespiratoryRate, 22)), spo2Scale: 1);

        score.Score.ShouldBe(5);
        score.Risk.ShouldBe("medium");
    }

    [Fact]
    public void An_aggregate_of_6_without_a_single_3_is_medium_risk()
    {
        // Oxygen → 2, pulse 115 → 2, SBP 95 → 2.
        var score = News2Calculator.Calculate(
            Patient(Oxygen(true), Vital(VitalTypes.HeartRate, 115), Vital(VitalTypes.SystolicBp, 95)), spo2Scale: 1);

        score.Score.ShouldBe(6);
        score.Risk.ShouldBe("medium");
    }

    [Fact]
    public void An_aggregate_of_7_is_high_risk()
    {
        // Oxygen → 2, pulse 115 → 2, SBP 95 → 2, temp 38.5 → 1.
        var score = News2Calculator.Calculate(
            Patient(Oxygen(true), Vital(VitalTypes.HeartRate, 115), Vital(VitalTypes.SystolicBp, 95), Vital(VitalTypes.Temperature, 38.5)),
            spo2Scale: 1);

        score.Score.ShouldBe(7);
        score.Risk.ShouldBe("high");
    }

    [Fact]
    public void A_patient_on_scale_2_is_scored_on_scale_2()
    {
        // SpO2 90 is in the scale 2 target range (0) but scores 3 on scale 1.
        var readings = Patient(Vital(VitalTypes.Spo2, 90));

        News2Calculator.Calculate(readings, spo2Scale: 2).Parameters["spo2"].Points.ShouldBe(0);
        News2Calculator.Calculate(readings, spo2Scale: 1).Parameters["spo2"].Points.ShouldBe(3);
    }

    [Fact]
    public void On_scale_2_a_high_saturation_on_oxygen_scores_both_for_saturation_and_for_oxygen()
    {
        var score = News2Calculator.Calculate(Patient(Vital(VitalTypes.Spo2, 97), Oxygen(true)), spo2Scale: 2);

        score.Parameters["spo2"].Points.ShouldBe(3);
        score.Parameters["air_or_oxygen"].Points.ShouldBe(2);
        score.Score.ShouldBe(5);
        score.Risk.ShouldBe("medium");
    }

    [Fact]
    public void On_scale_2_a_high_saturation_on_air_scores_0()
    {
        var score = News2Calculator.Calculate(Patient(Vital(VitalTypes.Spo2, 97), Oxygen(false)), spo2Scale: 2);

        score.Parameters["spo2"].Points.ShouldBe(0);
        score.Score.ShouldBe(0);
    }

    [Fact]
    public void On_scale_2_without_a_record_of_oxygen_a_high_saturation_is_banded_as_on_air_and_oxygen_is_missing()
    {
        var readings = Patient(Vital(VitalTypes.Spo2, 97)).Where(r => r.Type != VitalTypes.OxygenSupplement);

        var score = News2Calculator.Calculate(readings, spo2Scale: 2);

        score.Parameters["spo2"].ShouldBe(new News2ParameterScore(97, 0));
        score.Missing.ShouldBe(["air_or_oxygen"]);
    }

    [Fact]
    public void On_scale_2_oxygen_recorded_outside_the_window_does_not_count()
    {
        var score = News2Calculator.Calculate(Patient(Vital(VitalTypes.Spo2, 97), Oxygen(true, minutesBefore: 90)), spo2Scale: 2);

        score.Parameters["spo2"].Points.ShouldBe(0);
        score.Missing.ShouldBe(["air_or_oxygen"]);
    }

    [Fact]
    public void The_latest_oxygen_record_decides_the_scale_2_band()
    {
        var readings = Patient(Vital(VitalTypes.Spo2, 95), Oxygen(false, minutesBefore: 30));
        readings.Add(Oxygen(true, minutesBefore: 10));

        var score = News2Calculator.Calculate(readings, spo2Scale: 2);

        score.Parameters["spo2"].Points.ShouldBe(2);
        score.Parameters["air_or_oxygen"].ShouldBe(new News2ParameterScore("oxygen", 2));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Only_spo2_scales_1_and_2_exist(int scale) =>
        Should.Throw<ArgumentOutOfRangeException>(() => News2Calculator.Calculate(Patient(), scale));

    [Fact]
    public void Readings_of_two_patients_are_refused()
    {
        var readings = Patient();
        readings.Add(Vital(VitalTypes.HeartRate, 70, patientId: "patient-2"));

        Should.Throw<ArgumentException>(() => News2Calculator.Calculate(readings, spo2Scale: 1));
    }
}
