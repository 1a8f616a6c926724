namespace Vigil.Domain.Tests;

public sealed class IdentifiersTests
{
    [Theory]
    [InlineData("p")]
    [InlineData("patient-42")]
    [InlineData("ABC_def.123")]
    [InlineData("urn:mrn:0042")]
    [InlineData("nurse@ward-3")]
    [InlineData("site|bed|7")]
    [InlineData("0123456789abcdefABCDEF")]
    [InlineData("._-:@|")]
    public void Letters_digits_and_the_six_punctuation_marks_are_allowed(string id) =>
        Identifiers.IsValid(id).ShouldBeTrue();

    [Theory]
    [InlineData("a/b")]
    [InlineData("/")]
    [InlineData("a b")]
    [InlineData(" a")]
    [InlineData("a ")]
    [InlineData("a\tb")]
    [InlineData("a\nb")]
    [InlineData("a+b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("a%20b")]
    [InlineData("a\\b")]
    [InlineData("a,b")]
    [InlineData("a\"b")]
    [InlineData("a'b")]
    [InlineData("a*b")]
    [InlineData("é")]
    [InlineData("Zoë")]
    [InlineData("١٢٣")] // Arabic-Indic digits are digits, but not ASCII ones.
    [InlineData("ＡＢＣ")] // Full-width letters.
    [InlineData("a\0b")]
    public void Other_characters_are_rejected(string id) =>
        Identifiers.IsValid(id).ShouldBeFalse();

    [Fact]
    public void An_empty_id_is_rejected() => Identifiers.IsValid("").ShouldBeFalse();

    [Fact]
    public void A_null_id_is_rejected() => Identifiers.IsValid(null).ShouldBeFalse();

    [Fact]
    public void An_id_of_128_characters_is_allowed() =>
        Identifiers.IsValid(new string('a', 128)).ShouldBeTrue();

    [Fact]
    public void An_id_of_129_characters_is_rejected() =>
        Identifiers.IsValid(new string('a', 129)).ShouldBeFalse();

    [Fact]
    public void The_maximum_length_is_128() => Identifiers.MaxLength.ShouldBe(128);

    [Fact]
    public void A_generated_id_is_32_lower_case_hex_digits() =>
        Identifiers.New().ShouldMatch("^[0-9a-f]{32}$");

    [Fact]
    public void A_generated_id_is_a_version_7_uuid_with_the_rfc_variant()
    {
        var id = Identifiers.New();

        id[12].ShouldBe('7');
        id[16].ShouldBeOneOf('8', '9', 'a', 'b');
        Guid.ParseExact(id, "N").Version.ShouldBe(7);
    }

    [Fact]
    public void A_generated_id_is_itself_a_valid_identifier() =>
        Identifiers.IsValid(Identifiers.New()).ShouldBeTrue();

    [Fact]
    public void Generated_ids_are_unique()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => Identifiers.New()).ToHashSet();

        ids.Count.ShouldBe(10_000);
    }

    [Fact]
    public void Generated_ids_from_different_milliseconds_sort_by_creation_time()
    {
        var first = Identifiers.New();
        Thread.Sleep(5);
        var second = Identifiers.New();

        string.CompareOrdinal(first, second).ShouldBeLessThan(0);
    }

    [Fact]
    public void The_rule_text_names_the_limits_and_the_allowed_punctuation() =>
        Identifiers.Rule.ShouldBe("must be 1 to 128 characters of letters, digits and . _ - : @ |");
}
