// rnnopt/optimizer/internal/tensor_view.h: a model file's tensors as the engine's float32 Eigen
// matrices and vectors, with the shape checked. Private to the engine (network.cpp,
// acq_network.cpp).
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "optimizer/model_file.h"

namespace rnnopt::internal {

// The tensor `name` of `file`; throws ModelError naming `source` if it is missing or its shape is
// not `shape`.
inline const Tensor& find_tensor(const ModelFile& file, const std::string& name,
                                 const std::vector<std::int64_t>& shape,
                                 const std::string& source) {
  const auto it = file.tensors.find(name);
  if (it == file.tensors.end()) throw ModelError(source + ": missing tensor \"" + name + "\"");
  if (it->second.shape != shape) {
    throw ModelError(source + ": tensor \"" + name + "\" has the wrong shape");
  }
  return it->second;
}

// A 2-D tensor (row-major in the file) as a column-major float matrix.
inline Eigen::MatrixXf matrix_of(const Tensor& t) {
  Eigen::MatrixXf m(t.shape[0], t.shape[1]);
  for (std::int64_t r = 0; r < t.shape[0]; ++r) {
    for (std::int64_t c = 0; c < t.shape[1]; ++c) m(r, c) = t.data[r * t.shape[1] + c];
  }
  return m;
}

inline Eigen::VectorXf vector_of(const Tensor& t) {
  return Eigen::Map<const Eigen::VectorXf>(t.data.data(), t.numel());
}

}  // namespace rnnopt::internal
