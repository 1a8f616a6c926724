using Vigil.Domain.Insights;

namespace Vigil.Domain.Tests.Insights;

public class QuestionParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 14, 30, 0, TimeSpan.Zero);

    private static readonly QuestionParser.Known[] Patients = [new("p12", "Ada Lovelace"), new("p7", "Grace Hopper")];

    private static readonly QuestionParser.Known[] Departments = [new("ward-a", "Ward A"), new("icu", "ICU")];

    private static AskQuery Parse(string question)
    {
        var result = QuestionParser.Parse(question, Patients, Departments, Now);
        result.Reason.ShouldBeNull();
        return result.Query!;
    }

    [Fact]
    public void The_average_heart_rate_of_a_patient_in_the_last_hour()
    {
        var q = Parse("average heart rate of patient p12 in the last hour?");
        q.ShouldBe(new AskQuery(AskQuery.VitalStatistic, "p12", Vital: "heart_rate", Statistic: "average", From: Now.AddHours(-1), To: Now));
    }

    [Theory]
    [InlineData("What is the highest temperature of Grace Hopper today", "p7", "temperature", "max")]
    [InlineData("lowest SpO2 for patient P12 over the past 30 minutes", "p12", "spo2", "min")]
    [InlineData("How many heart rate readings does p7 have in the last 2 days", "p7", "heart_rate", "count")]
    [InlineData("Is Ada Lovelace's respiratory rate trending up in the last 6 hours?", "p12", "respiratory_rate", "trend")]
    [InlineData("current news2 of patient p12", "p12", "news2", "latest")]
    [InlineData("blood pressure of patient p7", "p7", "systolic_bp", "latest")]
    public void Patient_vital_and_statistic_are_recognised(string question, string patient, string vital, string statistic)
    {
        var q = Parse(question);
        q.Intent.ShouldBe(AskQuery.VitalStatistic);
        (q.Patient, q.Vital, q.Statistic).ShouldBe((patient, vital, statistic));
    }

    [Fact]
    public void Time_ranges_are_read_as_utc_bounds()
    {
        Parse("average pulse of p12 in the last 90 minutes").From.ShouldBe(Now.AddMinutes(-90));
        Parse("average pulse of p12 today").From.ShouldBe(new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero));
        var yesterday = Parse("max pulse of p12 yesterday");
        (yesterday.From, yesterday.To).ShouldBe((new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero)));
        Parse("average pulse of p12 since 08:00").From.ShouldBe(new DateTimeOffset(2026, 11, 21, 8, 0, 0, TimeSpan.Zero));
        Parse("average pulse of p12 since 2026-11-19T06:00:00Z").From.ShouldBe(new DateTimeOffset(2026, 11, 19, 6, 0, 0, TimeSpan.Zero));
        Parse("average pulse of p12").From.ShouldBe(Now.AddHours(-24), "a statistic without a range covers the last 24 hours");
        Parse("latest pulse of p12").From.ShouldBeNull("the latest value needs no range");
    }

    [Fact]
    public void Which_patients_in_a_ward_meet_a_condition()
    {
        Parse("which patients in ward A have NEWS2 >= 5").ShouldBe(new AskQuery(AskQuery.PatientsWhere, Department: "ward-a", Vital: "news2", Comparison: ">=", Threshold: 5));
        var q = Parse("Which patients have a heart rate above 120?");
        (q.Intent, q.Department, q.Vital, q.Comparison, q.Threshold).ShouldBe((AskQuery.PatientsWhere, null, "heart_rate", ">", 120.0));
        Parse("who in the ICU has a news score of 7 or more").ShouldBe(new AskQuery(AskQuery.PatientsWhere, Department: "icu", Vital: "news2", Comparison: ">=", Threshold: 7));
    }

    [Fact]
    public void Alert_questions_name_a_status_and_a_scope()
    {
        Parse("active alerts in ICU").ShouldBe(new AskQuery(AskQuery.Alerts, Department: "icu", Status: "active"));
        Parse("any alerts for patient p7 in the last 6 hours").ShouldBe(new AskQuery(AskQuery.Alerts, "p7", Status: "open", From: Now.AddHours(-6), To: Now));
    }

    [Theory]
    [InlineData("what is the weather like", "names no patient")]
    [InlineData("tell me about patient p12", "names no vital")]
    [InlineData("which patients in ward A", "needs a condition")]
    [InlineData("average pulse of p12 since teatime", "not a time")]
    public void Questions_it_cannot_read_say_why(string question, string reason)
    {
        var result = QuestionParser.Parse(question, Patients, Departments, Now);
        result.Query.ShouldBeNull();
        result.Reason.ShouldNotBeNull().ShouldContain(reason);
    }

    [Fact]
    public void A_patient_it_was_not_told_about_is_passed_on_as_written_and_no_other_name_is_guessed()
    {
        Parse("average heart rate of patient x99").Patient.ShouldBe("x99");
        QuestionParser.Parse("average heart rate of Alan Turing", Patients, Departments, Now).Query.ShouldBeNull();
    }
}
