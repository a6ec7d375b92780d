# Homebrew formula for cmdm. Its build is the macOS build in docs/install.md, step for step
# (tests/dist/homebrew_formula_test.py compares the two). On release, set url and sha256 to the
# tagged source archive, then: brew install --build-from-source ./contrib/homebrew/cmdm.rb
class Cmdm < Formula
  desc "Compile, shrink, split, sign and ship configuration profiles for MDMs"
  homepage "https://github.com/cmdm/cmdm"
  url "https://github.com/cmdm/cmdm/archive/refs/tags/v0.1.0.tar.gz"
  sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  head "https://github.com/cmdm/cmdm.git", branch: "main"

  depends_on "cmake" => :build
  depends_on "googletest" => :build
  depends_on "ninja" => :build
  depends_on "nlohmann-json" => :build
  depends_on "pkg-config" => :build
  depends_on "boost"
  depends_on "libplist"
  depends_on "openssl@3"
  depends_on "pugixml"
  depends_on "yaml-cpp"
  depends_on "zstd"

  uses_from_macos "curl"
  uses_from_macos "sqlite"

  def install
    system "cmake", "-S", ".", "-B", "build", "-G", "Ninja",
                    "-DCMAKE_BUILD_TYPE=Release",
                    "-DCMDM_BENCH=OFF",
                    "-DOPENSSL_ROOT_DIR=#{Formula["openssl@3"].opt_prefix}",
                    *std_cmake_args
    system "cmake", "--build", "build"
    system "cmake", "--install", "build"
  end

  test do
    assert_match "cmdm #{version}", shell_output("#{bin}/cmdm --version")
    (testpath/"p.mobileconfig").write <<~XML
      <?xml version="1.0" encoding="UTF-8"?>
      <plist version="1.0"><dict>
        <key>PayloadIdentifier</key><string>com.example.p</string>
        <key>PayloadType</key><string>Configuration</string>
        <key>PayloadUUID</key><string>1B4E28BA-2FA1-11D2-883F-0016D3CCA427</string>
        <key>PayloadVersion</key><integer>1</integer>
        <key>PayloadContent</key><array/>
      </dict></plist>
    XML
    system bin/"cmdm", "check", "p.mobileconfig", "--target", "workspaceone"
    assert_predicate man1/"cmdm-check.1", :exist?
    assert_predicate zsh_completion/"_cmdm", :exist?
  end
end
