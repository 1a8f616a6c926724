using Vigil.Domain.Scoring;

namespace Vigil.Domain.Tests.Scoring;

public sealed class News2RiskTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void An_aggregate_of_0_to_4_without_a_single_3_is_low(int aggregate) =>
        News2Risk.For(aggregate, anySingleParameterScoredThree: false).ShouldBe("low");

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void A_single_3_with_an_aggregate_under_5_is_low_medium(int aggregate) =>
        News2Risk.For(aggregate, anySingleParameterScoredThree: true).ShouldBe("low-medium");

    [Theory]
    [InlineData(5, false)]
    [InlineData(6, false)]
    [InlineData(5, true)]
    [InlineData(6, true)]
    public void An_aggregate_of_5_or_6_is_medium_with_or_without_a_single_3(int aggregate, bool singleThree) =>
        News2Risk.For(aggregate, singleThree).ShouldBe("medium");

    [Theory]
    [InlineData(7, false)]
    [InlineData(7, true)]
    [InlineData(20, true)]
    public void An_aggregate_of_7_or_more_is_high(int aggregate, bool singleThree) =>
        News2Risk.For(aggregate, singleThree).ShouldBe("high");
}
