using System.Buffers.Binary;
using System.Text;

namespace Vigil.Kafka;

/// <summary>
/// The two binary forms of the outbox (docs/distributed.md, "Producing").
/// <para>
/// A Kafka record's value: a magic byte, a version, the seq of the outbox row the record was relayed from (8 bytes,
/// big-endian), the record's index within that row (4 bytes, big-endian), then the envelope. The relay reads each
/// partition back on start to learn how far it had got, so a relay that died between Kafka's acknowledgement and
/// deleting the outbox rows does not send them again. Record headers would be the natural place, but Kafka 0.9 drops
/// them. Version 1 (written before rows were packed) has no index; it reads as index 0.
/// </para>
/// <para>
/// An outbox row's <c>messages</c>: every message one transaction appended to one partition, in order, each as the
/// key's length and UTF-8 bytes and the value's length and bytes (lengths 4 bytes, big-endian). A 1,000-reading
/// request becomes one row per partition it touches rather than 1,000 rows.
/// </para>
/// </summary>
public static class OutboxFrame
{
    public const byte Magic = 0xF7;
    public const byte Version = 2;
    public const int HeaderLength = 14;

    private const int Version1HeaderLength = 10;

    public static byte[] Encode(long seq, int index, ReadOnlySpan<byte> envelope)
    {
        var frame = new byte[HeaderLength + envelope.Length];
        frame[0] = Magic;
        frame[1] = Version;
        BinaryPrimitives.WriteInt64BigEndian(frame.AsSpan(2, 8), seq);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(10, 4), index);
        envelope.CopyTo(frame.AsSpan(HeaderLength));
        return frame;
    }

    /// <summary>The outbox seq, index and envelope of a frame; false for a value Vigil did not write (another producer's).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> value, out long seq, out int index, out ReadOnlySpan<byte> envelope)
    {
        seq = 0;
        index = 0;
        envelope = default;
        if (value.Length < Version1HeaderLength || value[0] != Magic)
        {
            return false;
        }

        switch (value[1])
        {
            case 1:
                seq = BinaryPrimitives.ReadInt64BigEndian(value.Slice(2, 8));
                envelope = value[Version1HeaderLength..];
                return true;
            case Version when value.Length >= HeaderLength:
                seq = BinaryPrimitives.ReadInt64BigEndian(value.Slice(2, 8));
                index = BinaryPrimitives.ReadInt32BigEndian(value.Slice(10, 4));
                envelope = value[HeaderLength..];
                return index >= 0;
            default:
                return false;
        }
    }

    /// <summary>Packs messages (key, value) in order into one outbox row's <c>messages</c>.</summary>
    public static byte[] Pack(IReadOnlyList<(string Key, byte[] Value)> messages)
    {
        var length = 0;
        foreach (var (key, value) in messages)
        {
            length += PackedLength(key, value);
        }

        var packed = new byte[length];
        var at = 0;
        foreach (var (key, value) in messages)
        {
            var keyLength = Encoding.UTF8.GetBytes(key, packed.AsSpan(at + 4));
            BinaryPrimitives.WriteInt32BigEndian(packed.AsSpan(at, 4), keyLength);
            at += 4 + keyLength;
            BinaryPrimitives.WriteInt32BigEndian(packed.AsSpan(at, 4), value.Length);
            value.CopyTo(packed.AsSpan(at + 4));
            at += 4 + value.Length;
        }

        return packed;
    }

    /// <summary>The bytes one message takes in a packed row.</summary>
    public static int PackedLength(string key, byte[] value) => 8 + Encoding.UTF8.GetByteCount(key) + value.Length;

    /// <summary>The messages of a packed row, in order; a row that does not parse is an <see cref="InvalidDataException"/>.</summary>
    public static List<(string Key, ReadOnlyMemory<byte> Value)> Unpack(ReadOnlyMemory<byte> packed)
    {
        var messages = new List<(string, ReadOnlyMemory<byte>)>();
        var at = 0;
        while (at < packed.Length)
        {
            var keyLength = Length(packed.Span, at);
            var key = Encoding.UTF8.GetString(packed.Span.Slice(at + 4, keyLength));
            at += 4 + keyLength;
            var valueLength = Length(packed.Span, at);
            messages.Add((key, packed.Slice(at + 4, valueLength)));
            at += 4 + valueLength;
        }

        return messages;
    }

    private static int Length(ReadOnlySpan<byte> packed, int at)
    {
        var length = at + 4 <= packed.Length ? BinaryPrimitives.ReadInt32BigEndian(packed.Slice(at, 4)) : -1;
        if (length < 0 || length > packed.Length - at - 4)
        {
            throw new InvalidDataException($"An outbox row's messages end inside a message (at byte {at} of {packed.Length}).");
        }

        return length;
    }
}
