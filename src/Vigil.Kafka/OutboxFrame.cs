using System.Buffers.Binary;

namespace Vigil.Kafka;

/// <summary>
/// The value of every record Vigil writes to Kafka: a magic byte, a version, the outbox sequence number the record was
/// relayed from (8 bytes, big-endian), then the envelope. The relay reads the last record of each partition back on
/// start to learn how far it had got, so a relay that died between Kafka's acknowledgement and deleting the outbox rows
/// does not send them twice. Record headers would be the natural place, but Kafka 0.9 drops them.
/// </summary>
public static class OutboxFrame
{
    public const byte Magic = 0xF7;
    public const byte Version = 1;
    public const int HeaderLength = 10;

    public static byte[] Encode(long seq, ReadOnlySpan<byte> envelope)
    {
        var frame = new byte[HeaderLength + envelope.Length];
        frame[0] = Magic;
        frame[1] = Version;
        BinaryPrimitives.WriteInt64BigEndian(frame.AsSpan(2, 8), seq);
        envelope.CopyTo(frame.AsSpan(HeaderLength));
        return frame;
    }

    /// <summary>The outbox seq and the envelope of a frame; false for a value Vigil did not write (another producer's).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> value, out long seq, out ReadOnlySpan<byte> envelope)
    {
        if (value.Length < HeaderLength || value[0] != Magic || value[1] != Version)
        {
            seq = 0;
            envelope = default;
            return false;
        }

        seq = BinaryPrimitives.ReadInt64BigEndian(value.Slice(2, 8));
        envelope = value[HeaderLength..];
        return true;
    }
}
