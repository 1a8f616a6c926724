using Vigil.Domain.Scoring;

namespace Vigil.Domain.Tests.Scoring;

// Every band edge of the NEWS2 chart (Royal College of Physicians, 2017), on both sides.
public sealed class News2BandsTests
{
    [Theory]
    [InlineData(0, 3)]
    [InlineData(8, 3)]
    [InlineData(9, 1)]
    [InlineData(11, 1)]
    [InlineData(12, 0)]
    [InlineData(20, 0)]
    [InlineData(21, 2)]
    [InlineData(24, 2)]
    [InlineData(25, 3)]
    [InlineData(60, 3)]
    public void Respiration_rate_scores_by_its_band(int perMinute, int points) =>
        News2Bands.RespirationRate(perMinute).ShouldBe(points);

    [Theory]
    [InlineData(70, 3)]
    [InlineData(91, 3)]
    [InlineData(92, 2)]
    [InlineData(93, 2)]
    [InlineData(94, 1)]
    [InlineData(95, 1)]
    [InlineData(96, 0)]
    [InlineData(100, 0)]
    public void Spo2_on_scale_1_scores_by_its_band(int percent, int points) =>
        News2Bands.Spo2Scale1(percent).ShouldBe(points);

    [Theory]
    [InlineData(70, false, 3)]
    [InlineData(83, false, 3)]
    [InlineData(84, false, 2)]
    [InlineData(85, false, 2)]
    [InlineData(86, false, 1)]
    [InlineData(87, false, 1)]
    [InlineData(88, false, 0)]
    [InlineData(92, false, 0)]
    [InlineData(93, false, 0)]
    [InlineData(97, false, 0)]
    [InlineData(100, false, 0)]
    [InlineData(70, true, 3)]
    [InlineData(83, true, 3)]
    [InlineData(84, true, 2)]
    [InlineData(85, true, 2)]
    [InlineData(86, true, 1)]
    [InlineData(87, true, 1)]
    [InlineData(88, true, 0)]
    [InlineData(92, true, 0)]
    [InlineData(93, true, 1)]
    [InlineData(94, true, 1)]
    [InlineData(95, true, 2)]
    [InlineData(96, true, 2)]
    [InlineData(97, true, 3)]
    [InlineData(100, true, 3)]
    public void Spo2_on_scale_2_scores_high_saturation_only_on_oxygen(int percent, bool onOxygen, int points) =>
        News2Bands.Spo2Scale2(percent, onOxygen).ShouldBe(points);

    [Theory]
    [InlineData(83, 3)]
    [InlineData(85, 2)]
    [InlineData(87, 1)]
    [InlineData(92, 0)]
    [InlineData(93, 0)]
    [InlineData(97, 0)]
    public void Spo2_on_scale_2_without_a_record_of_oxygen_is_banded_as_on_air(int percent, int points) =>
        News2Bands.Spo2Scale2(percent, onOxygen: null).ShouldBe(points);

    [Fact]
    public void Supplemental_oxygen_scores_2_and_air_scores_0()
    {
        News2Bands.AirOrOxygen(onOxygen: true).ShouldBe(2);
        News2Bands.AirOrOxygen(onOxygen: false).ShouldBe(0);
    }

    [Theory]
    [InlineData(50, 3)]
    [InlineData(90, 3)]
    [InlineData(91, 2)]
    [InlineData(100, 2)]
    [InlineData(101, 1)]
    [InlineData(110, 1)]
    [InlineData(111, 0)]
    [InlineData(219, 0)]
    [InlineData(220, 3)]
    [InlineData(260, 3)]
    public void Systolic_bp_scores_by_its_band(int mmHg, int points) =>
        News2Bands.SystolicBp(mmHg).ShouldBe(points);

    [Theory]
    [InlineData(20, 3)]
    [InlineData(40, 3)]
    [InlineData(41, 1)]
    [InlineData(50, 1)]
    [InlineData(51, 0)]
    [InlineData(90, 0)]
    [InlineData(91, 1)]
    [InlineData(110, 1)]
    [InlineData(111, 2)]
    [InlineData(130, 2)]
    [InlineData(131, 3)]
    [InlineData(200, 3)]
    public void Pulse_scores_by_its_band(int perMinute, int points) =>
        News2Bands.Pulse(perMinute).ShouldBe(points);

    [Theory]
    [InlineData("A", 0)]
    [InlineData("C", 3)]
    [InlineData("V", 3)]
    [InlineData("P", 3)]
    [InlineData("U", 3)]
    public void Alert_scores_0_and_any_other_acvpu_level_scores_3(string acvpu, int points) =>
        News2Bands.Consciousness(acvpu).ShouldBe(points);

    [Fact]
    public void A_level_outside_acvpu_is_refused() =>
        Should.Throw<ArgumentOutOfRangeException>(() => News2Bands.Consciousness("X"));

    [Theory]
    [InlineData(30.0, 3)]
    [InlineData(35.0, 3)]
    [InlineData(35.1, 1)]
    [InlineData(36.0, 1)]
    [InlineData(36.1, 0)]
    [InlineData(38.0, 0)]
    [InlineData(38.1, 1)]
    [InlineData(39.0, 1)]
    [InlineData(39.1, 2)]
    [InlineData(42.0, 2)]
    public void Temperature_scores_by_its_band(double celsius, int points) =>
        News2Bands.Temperature(celsius).ShouldBe(points);
}
