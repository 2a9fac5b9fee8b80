using System.Diagnostics;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>publish.sh, .ci/run and scripts/smoke.py: the scripts around the release binary.</summary>
public class ReleaseScriptTests
{
    static async Task<(int Code, string Out, string Err)> Run(string file, IEnumerable<string> args, string? path = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (path is not null) psi.Environment["PATH"] = path + ":" + psi.Environment["PATH"];
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (p.ExitCode, await stdout, await stderr);
    }

    [Test]
    public async Task Publish_out_puts_the_binary_in_its_own_folder_and_leaves_dist_alone()
    {
        // A copy of publish.sh in a folder of its own (it works relative to where it is), with a user's build in
        // dist/ and a stand-in `dotnet` that writes the binary where -o says and records its arguments.
        using var work = new TempServerFolder();
        File.Copy(Path.Combine(Fixtures.RepoRoot(), "publish.sh"), work.PathOf("publish.sh"));
        Directory.CreateDirectory(work.PathOf("dist/linux-x64"));
        File.WriteAllText(work.PathOf("dist/linux-x64/acws"), "the user's 1.2.3 build");
        Directory.CreateDirectory(work.PathOf("fakebin"));
        File.WriteAllText(work.PathOf("fakebin/dotnet"),
            "#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/args\"\nwhile [ $# -gt 0 ]; do [ \"$1\" = -o ] && out=$2; shift; done\nmkdir -p \"$out\" && printf 'ci' > \"$out/acws\"\n");
        File.SetUnixFileMode(work.PathOf("fakebin/dotnet"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var (code, stdout, stderr) = await Run("bash", [work.PathOf("publish.sh"), "linux-x64", "--out", ".ci/dist", "-p:Version=0.0.0-ci"], work.PathOf("fakebin"));
        await Assert.That(code).IsEqualTo(0).Because(stderr);
        await Assert.That(stdout.Trim()).IsEqualTo("published .ci/dist/acws (2 bytes, 0 MiB)");
        await Assert.That(File.ReadAllText(work.PathOf("fakebin/args")).Trim()).IsEqualTo("publish AcWs.csproj -c Release -r linux-x64 -o .ci/dist -nologo -p:Version=0.0.0-ci");
        await Assert.That(File.ReadAllText(work.PathOf("dist/linux-x64/acws"))).IsEqualTo("the user's 1.2.3 build");

        var missing = await Run("bash", [work.PathOf("publish.sh"), "linux-x64", "--out"], work.PathOf("fakebin"));
        await Assert.That(missing.Code).IsEqualTo(2);
        await Assert.That(missing.Err).Contains("--out needs a folder");

        // CI publishes into .ci/dist, not the dist/ a user's ./publish.sh fills.
        string ci = File.ReadAllText(Path.Combine(Fixtures.RepoRoot(), ".ci", "run"));
        await Assert.That(ci).Contains("./publish.sh --out .ci/dist -p:Version=0.0.0-ci");
    }

    /// <summary>The release notes' size table, read from real archives: a .tar.gz and a .zip as the workflow packs them.</summary>
    [Test]
    public async Task Binary_sizes_reads_each_archives_binary_and_marks_one_over_8_MiB()
    {
        using var work = new TempServerFolder();
        string sizes = Path.Combine(Fixtures.RepoRoot(), "scripts", "binary_sizes.py");
        Directory.CreateDirectory(work.PathOf("package/acws-1.2.3-linux-x64"));
        File.WriteAllBytes(work.PathOf("package/acws-1.2.3-linux-x64/acws"), new byte[1234]);
        File.WriteAllText(work.PathOf("package/acws-1.2.3-linux-x64/README.md"), "not the binary");
        Directory.CreateDirectory(work.PathOf("out"));
        await Assert.That((await Run("tar", ["-C", work.PathOf("package"), "-czf", work.PathOf("out/acws-1.2.3-linux-x64.tar.gz"), "acws-1.2.3-linux-x64"])).Code).IsEqualTo(0);
        using (var zip = System.IO.Compression.ZipFile.Open(work.PathOf("out/acws-1.2.3-win-x64.zip"), System.IO.Compression.ZipArchiveMode.Create))
        {
            using (var exe = zip.CreateEntry("acws-1.2.3-win-x64/acws.exe").Open()) exe.Write(new byte[8 * 1024 * 1024 + 1]);
            zip.CreateEntry("acws-1.2.3-win-x64/README.md");
        }
        File.WriteAllText(work.PathOf("out/SHA256SUMS"), "not an archive");

        var (code, stdout, stderr) = await Run("python3", [sizes, work.PathOf("out")]);
        await Assert.That(code).IsEqualTo(0).Because(stderr);
        await Assert.That(stdout).Contains("| acws-1.2.3-linux-x64.tar.gz | acws | 1,234 | 0.00 MiB |");
        await Assert.That(stdout).Contains("| acws-1.2.3-win-x64.zip | acws.exe | 8,388,609 | 8.00 MiB (over 8 MiB) |");
        await Assert.That(stderr).Contains("acws-1.2.3-win-x64.zip: acws.exe is 8,388,609 bytes, over the 8 MiB budget");

        File.Delete(work.PathOf("out/acws-1.2.3-linux-x64.tar.gz"));
        File.Delete(work.PathOf("out/acws-1.2.3-win-x64.zip"));
        var empty = await Run("python3", [sizes, work.PathOf("out")]);
        await Assert.That(empty.Code).IsEqualTo(2);
        await Assert.That(empty.Err).Contains("no acws-*.tar.gz or acws-*.zip");
    }

    [Test]
    public async Task Smoke_reads_the_newest_glibc_version_an_elf_file_needs_as_objdump_shows_it()
    {
        string smoke = Path.Combine(Fixtures.RepoRoot(), "scripts", "smoke.py");
        foreach (string file in new[] { "/bin/ls", Environment.ProcessPath! })
        {
            var (_, dump, _) = await Run("objdump", ["-T", file]);
            var (code, stdout, stderr) = await Run("python3", [smoke, "--glibc", file]);
            await Assert.That(code).IsEqualTo(0).Because(stderr);
            await Assert.That(stdout.Trim()).IsEqualTo($"glibc: {file} needs GLIBC_{Newest(dump)}");
        }
    }

    /// <summary>The newest GLIBC_x.y[.z] in objdump -T's output, written as glibc writes it.</summary>
    static string Newest(string objdump) =>
        System.Text.RegularExpressions.Regex.Matches(objdump, @"GLIBC_(\d+(?:\.\d+)+)")
            .Select(m => m.Groups[1].Value).MaxBy(v => Version.Parse(v.Count(c => c == '.') == 1 ? v + ".0" : v))!;
}
