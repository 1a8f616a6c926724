using System.Text;
using Vigil.Domain.Log;

namespace Vigil.Domain.Tests;

public sealed class KeyPartitionerTests
{
    // Vectors from Apache Kafka's UtilsTest.testMurmur2, so patients land on the partition Kafka would choose.
    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("a-little-bit-long-string", -985981536)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971)]
    [InlineData("abc", 479470107)]
    public void Murmur2_matches_kafkas_reference_values(string key, int expected) =>
        KeyPartitioner.Murmur2(Encoding.UTF8.GetBytes(key)).ShouldBe(expected);

    // toPositive(murmur2(key)) % partitions, worked out by hand from the reference hashes above.
    [Theory]
    [InlineData("21", 1000, 340)]
    [InlineData("21", 12, 0)]
    [InlineData("foobar", 1000, 166)]
    [InlineData("foobar", 12, 6)]
    [InlineData("abc", 1000, 107)]
    [InlineData("abc", 12, 3)]
    public void The_partition_is_the_positive_hash_modulo_the_partition_count(string key, int partitions, int expected) =>
        KeyPartitioner.PartitionFor(key, partitions).ShouldBe(expected);

    [Fact]
    public void The_same_key_always_lands_on_the_same_partition()
    {
        var first = KeyPartitioner.PartitionFor("patient-42", 12);

        for (var i = 0; i < 100; i++)
        {
            KeyPartitioner.PartitionFor("patient-42", 12).ShouldBe(first);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(12)]
    [InlineData(64)]
    [InlineData(int.MaxValue)]
    public void Every_partition_is_within_range(int partitions)
    {
        for (var i = 0; i < 2_000; i++)
        {
            KeyPartitioner.PartitionFor($"patient-{i}", partitions).ShouldBeInRange(0, partitions - 1);
        }
    }

    [Fact]
    public void Keys_spread_over_all_partitions()
    {
        var used = Enumerable.Range(0, 2_000).Select(i => KeyPartitioner.PartitionFor($"patient-{i}", 12)).ToHashSet();

        used.Count.ShouldBe(12);
    }

    [Theory]
    [InlineData("")]
    [InlineData("21")]
    [InlineData("patient-42")]
    [InlineData("Zoë-Müller")]
    public void One_partition_always_gives_partition_0(string key) =>
        KeyPartitioner.PartitionFor(key, 1).ShouldBe(0);

    [Theory]
    [InlineData("Zoë")]
    [InlineData("Łódź")]
    [InlineData("患者-42")]
    [InlineData("€€€")]
    [InlineData("🫀-heart")]
    public void Non_ascii_keys_are_hashed_as_utf8(string key) =>
        KeyPartitioner.PartitionFor(key, 1000).ShouldBe(Expected(key, 1000));

    // Keys whose worst-case UTF-8 size fits 256 bytes are encoded on the stack, longer ones on the heap;
    // both paths must hash the same bytes.
    [Theory]
    [InlineData('a', 84)]
    [InlineData('a', 85)]
    [InlineData('a', 256)]
    [InlineData('a', 257)]
    [InlineData('a', 5_000)]
    [InlineData('€', 84)]
    [InlineData('€', 85)]
    [InlineData('€', 86)]
    [InlineData('€', 1_000)]
    public void Long_keys_are_hashed_over_all_their_bytes(char c, int length)
    {
        var key = new string(c, length);

        KeyPartitioner.PartitionFor(key, 1000).ShouldBe(Expected(key, 1000));
    }

    [Fact]
    public void Keys_longer_than_256_bytes_that_differ_only_at_the_end_are_told_apart()
    {
        var prefix = new string('x', 300);
        var partitions = Enumerable.Range(0, 50).Select(i => KeyPartitioner.PartitionFor(prefix + i, 1000)).ToHashSet();

        partitions.Count.ShouldBeGreaterThan(1);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void Fewer_than_one_partition_is_an_argument_error(int partitions) =>
        Should.Throw<ArgumentOutOfRangeException>(() => KeyPartitioner.PartitionFor("patient-42", partitions))
            .ParamName.ShouldBe("partitions");

    private static int Expected(string key, int partitions) =>
        (KeyPartitioner.Murmur2(Encoding.UTF8.GetBytes(key)) & 0x7fffffff) % partitions;
}
