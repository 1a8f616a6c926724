using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Vigil.Hl7;

/// <summary>
/// The ACK to a message (original acknowledgment mode, HL7 v2.5 section 2.9.2): an MSH that swaps the message's
/// sender and receiver, keeps its delimiters, processing id and version; MSA with the acknowledgment code and MSH-10;
/// one ERR per error. From v2.5 ERR-2 (location), ERR-3 (code), ERR-4 (severity) and ERR-8 (text) carry an error;
/// v2.3 and v2.4 have only ERR-1 (segment^sequence^field^code), so the text goes to MSA-3 there as well.
/// </summary>
internal static class Hl7Ack
{
    public const string Accept = "AA";
    public const string Error = "AE";
    public const string Reject = "AR";

    /// <summary>The version an ACK to something without a usable MSH is written in.</summary>
    private const string DefaultVersion = "2.5";

    public static string Build(Hl7Message? message, string code, string text, IReadOnlyList<Hl7Error> errors, DateTimeOffset now)
    {
        var d = message?.Delimiters ?? Hl7Delimiters.Standard;
        var msh = message?.Header;
        string Field(int n) => msh?.Raw(n) ?? "";
        var version = msh?.Value(12) is { Length: > 0 } v && Hl7Versions.IsSupported(v) ? v : DefaultVersion;
        var legacyErr = Hl7Versions.IsSupported(version) && string.CompareOrdinal(version, "2.5") < 0;
        var trigger = msh?.Value(9, 2) is { Length: > 0 } t ? Hl7Escapes.Encode(t, d) : "R01";
        var b = new StringBuilder();
        string[] header =
        [
            "MSH", d.EncodingCharacters,
            Field(5) is { Length: > 0 } app ? app : "VIGIL", Field(6), Field(3), Field(4),
            now.UtcDateTime.ToString("yyyyMMddHHmmss.ffff", CultureInfo.InvariantCulture) + "+0000", "",
            $"ACK{d.Component}{trigger}{d.Component}ACK",
            Convert.ToHexString(RandomNumberGenerator.GetBytes(10)),
            Field(11) is { Length: > 0 } processing ? processing : "P",
            version,
        ];
        b.Append(string.Join(d.Field, header)).Append('\r');
        b.Append("MSA").Append(d.Field).Append(code).Append(d.Field).Append(Field(10));
        if (text.Length > 0)
        {
            b.Append(d.Field).Append(Hl7Escapes.Encode(Truncate(text, 80), d));
        }

        b.Append('\r');
        foreach (var e in errors)
        {
            var name = Hl7Escapes.Encode(Name(e.Code), d);
            var number = ((int)e.Code).ToString(CultureInfo.InvariantCulture);
            var location = string.Join(d.Component, e.Segment, e.Sequence.ToString(CultureInfo.InvariantCulture), e.Field.ToString(CultureInfo.InvariantCulture));
            if (legacyErr)
            {
                var codeText = d.Subcomponent is { } s ? string.Join(s, number, name, "HL70357") : number;
                b.Append("ERR").Append(d.Field).Append(location).Append(d.Component).Append(codeText);
            }
            else
            {
                string[] err = ["ERR", "", location, string.Join(d.Component, number, name, "HL70357"), "E", "", "", "", Hl7Escapes.Encode(e.Text, d)];
                b.Append(string.Join(d.Field, err));
            }

            b.Append('\r');
        }

        return b.ToString();
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..(length - 3)] + "...";

    private static string Name(Hl7ErrorCode code) => code switch
    {
        Hl7ErrorCode.SegmentSequenceError => "Segment sequence error",
        Hl7ErrorCode.RequiredFieldMissing => "Required field missing",
        Hl7ErrorCode.DataTypeError => "Data type error",
        Hl7ErrorCode.TableValueNotFound => "Table value not found",
        Hl7ErrorCode.UnsupportedMessageType => "Unsupported message type",
        Hl7ErrorCode.UnsupportedEventCode => "Unsupported event code",
        Hl7ErrorCode.UnsupportedProcessingId => "Unsupported processing id",
        Hl7ErrorCode.UnsupportedVersionId => "Unsupported version id",
        Hl7ErrorCode.UnknownKeyIdentifier => "Unknown key identifier",
        Hl7ErrorCode.DuplicateKeyIdentifier => "Duplicate key identifier",
        _ => "Application internal error",
    };
}

/// <summary>The HL7 v2 versions Vigil takes (MSH-12).</summary>
internal static class Hl7Versions
{
    public static readonly string[] Supported = ["2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6"];

    public static bool IsSupported(string version) => Supported.Contains(version);
}
