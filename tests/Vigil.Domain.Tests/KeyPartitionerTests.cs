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
}
