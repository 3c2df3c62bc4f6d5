package io.github.cloudrunmcp;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfiguration;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The conventions of the code base, checked on the compiled main classes.
 */
class ArchitectureTests {

	private static final JavaClasses MAIN = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("io.github.cloudrunmcp");

	@Test
	void autoConfigurationsArePublicFinalAndLiveInTheAutoconfigurePackage() {
		classes().that()
			.areAnnotatedWith(AutoConfiguration.class)
			.should()
			.bePublic()
			.andShould()
			.haveModifier(com.tngtech.archunit.core.domain.JavaModifier.FINAL)
			.andShould()
			.resideInAPackage("..autoconfigure..")
			.check(MAIN);
	}

	@Test
	void libraryPackagesDoNotDependOnTheAutoConfiguration() {
		noClasses().that()
			.resideInAnyPackage("..auth..", "..sse..", "..stream..", "..listener..", "..server..", "..protocol..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("..autoconfigure..", "org.springframework.boot..")
			.check(MAIN);
	}

	@Test
	void sseParserNeedsNoSpring() {
		noClasses().that()
			.resideInAPackage("..sse..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("org.springframework..", "reactor..")
			.check(MAIN);
	}

	@Test
	void noGrabBagClasses() {
		noClasses().should()
			.haveSimpleNameEndingWith("Util")
			.orShould()
			.haveSimpleNameEndingWith("Utils")
			.orShould()
			.haveSimpleNameEndingWith("Helper")
			.orShould()
			.haveSimpleNameEndingWith("Manager")
			.check(MAIN);
	}

	@Test
	void everyPackageIsNullMarked() {
		assertThat(MAIN.stream().map((javaClass) -> javaClass.getPackageName()).distinct()).isNotEmpty()
			.allSatisfy((name) -> assertThat(
					Package.getPackage(name) != null ? Package.getPackage(name).isAnnotationPresent(NullMarked.class)
							: Class.forName(name + ".package-info").isAnnotationPresent(NullMarked.class))
				.as("package %s is @NullMarked", name)
				.isTrue());
	}

}
