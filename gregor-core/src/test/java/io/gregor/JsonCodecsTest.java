package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The JSON codecs turn records, maps and trees into JSON bytes and back. */
class JsonCodecsTest {

  record Order(String id, int quantity, List<String> tags) {}

  @Test
  void json_recordClass_roundTrips() {
    // given
    var codec = Codecs.json(Order.class);
    var order = new Order("o-1", 3, List.of("gift", "express"));

    // when
    byte[] bytes = codec.serialize("orders", order);

    // then
    assertThat(new String(bytes, java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("{\"id\":\"o-1\",\"quantity\":3,\"tags\":[\"gift\",\"express\"]}");
    assertThat(codec.deserialize("orders", bytes)).isEqualTo(order);
  }

  @Test
  void jsonMap_nestedMap_roundTrips() {
    // given
    var codec = Codecs.jsonMap();
    Map<String, Object> map = Map.of("a", 1, "b", List.of("x", "y"), "c", Map.of("d", true));

    // when
    var back = codec.deserialize("maps", codec.serialize("maps", map));

    // then
    assertThat(back).isEqualTo(map);
  }

  @Test
  void jsonTree_tree_roundTrips() {
    // given
    var codec = Codecs.jsonTree();
    ObjectNode tree = JsonMapper.builder().build().createObjectNode();
    tree.put("name", "gregor").putArray("legs").add(1).add(2);

    // when
    JsonNode back = codec.deserialize("trees", codec.serialize("trees", tree));

    // then
    assertThat(back).isEqualTo(tree);
  }

  @Test
  void json_null_isNullBothWays() {
    // given
    var codec = Codecs.json(Order.class);

    // when / then: Kafka's convention for absent keys and tombstones
    assertThat(codec.serialize("orders", null)).isNull();
    assertThat(codec.deserialize("orders", null)).isNull();
  }
}
