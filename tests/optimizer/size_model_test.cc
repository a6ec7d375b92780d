// The size model is the target registry's own count of the real encoded artifact.
#include <gtest/gtest.h>

#include "emitters/targets.h"
#include "optimizer/optimizer.h"
#include "tests/optimizer/fake_target.h"

namespace cmdm::optimizer {
namespace {

TEST(SizeModel, WorkspaceOneCountsTheCharactersOfTheInnerCommandDict) {
  Result<const emitters::Target*> t = emitters::find_target("workspaceone");
  ASSERT_TRUE(t.ok()) << t.error().format();
  EXPECT_EQ((*t)->default_limit, 2000u);
  for (std::string profile :
       {std::string("<dict/>"), std::string(1234, 'x'), std::string("bplist00\x00\x01\x02", 11)}) {
    EXPECT_EQ((*t)->command_size(profile), testing::command_xml_size(profile));
  }
}

TEST(SizeModel, OptimizeMeasuresWithTheRegistryTarget) {
  Result<const emitters::Target*> t = emitters::find_target("workspaceone");
  ASSERT_TRUE(t.ok());
  plist::Dict root;
  root.set("PayloadIdentifier", "com.example.p");
  root.set("PayloadUUID", "A1B2C3D4-0000-4000-8000-000000000000");
  OptimizeOptions o;
  o.target = *t;
  Result<Optimized> r = optimize(plist::Value(root), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->command_size, (*t)->command_size(r->bytes));
  EXPECT_EQ(r->limit, 2000u);
  o.limit = 50;
  EXPECT_EQ(optimize(plist::Value(root), o)->limit, 50u);
}

}  // namespace
}  // namespace cmdm::optimizer
